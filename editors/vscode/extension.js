// The language client: starts `clausec lsp` for clause files.
// Which binary: the `clausec.path` setting, else `clausec` on the PATH
// (`cargo install --path .` puts it there).
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('clausec').get('path') || 'clausec';
  const serverOptions = { command, args: ['lsp'], transport: TransportKind.stdio };
  const clientOptions = {
    documentSelector: [{ scheme: 'file', language: 'clause' }, { scheme: 'untitled', language: 'clause' }],
    synchronize: {
      // Quotes are checked against the agreement texts beside the clause files.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{clause,txt}'),
    },
  };
  client = new LanguageClient('clausec', 'clausec', serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
