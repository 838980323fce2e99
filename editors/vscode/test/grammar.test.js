// Tokenizes every shipped clause file with the package's TextMate grammar
// (vscode-textmate + vscode-oniguruma, as VS Code does) and checks the scopes
// of keywords, sections, durations, strings and comments against a small
// independent lexer of this file. The reserved keywords are read from the
// pest grammar (grammar/clause.pest), not from the TextMate grammar.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const repo = path.resolve(__dirname, '..', '..', '..');
const grammarPath = path.join(__dirname, '..', 'syntaxes', 'clause.tmLanguage.json');

function clauseFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...clauseFiles(p));
    else if (entry.name.endsWith('.clause')) out.push(p);
  }
  return out.sort();
}

function reservedKeywords() {
  const pest = fs.readFileSync(path.join(repo, 'grammar', 'clause.pest'), 'utf8');
  const start = pest.indexOf('keyword = @{');
  assert.ok(start >= 0, 'the pest grammar has a keyword rule');
  const body = pest.slice(start, pest.indexOf('~ !ident_char', start));
  return [...body.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
}

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === 'source.clause'
        ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath)
        : null,
  });
  return registry.loadGrammar('source.clause');
}

// Splits a line into code, string and comment pieces; `inString` carries
// an open string over to the next line.
function lex(line, inString) {
  const pieces = [];
  let i = 0;
  let kind = inString ? 'string' : 'code';
  let start = 0;
  while (i < line.length) {
    const c = line[i];
    if (kind === 'string') {
      if (c === '\\') { i += 2; continue; }
      if (c === '"') { pieces.push({ kind, start, end: i + 1 }); kind = 'code'; start = i + 1; }
      i += 1;
    } else if (c === '"') {
      if (i > start) pieces.push({ kind, start, end: i });
      kind = 'string'; start = i; i += 1;
    } else if (c === '/' && line[i + 1] === '/') {
      if (i > start) pieces.push({ kind, start, end: i });
      pieces.push({ kind: 'comment', start: i, end: line.length });
      return { pieces, inString: false };
    } else {
      i += 1;
    }
  }
  if (line.length > start) pieces.push({ kind, start, end: line.length });
  return { pieces, inString: kind === 'string' };
}

function scopesAt(tokens, i) {
  const t = tokens.find((tok) => tok.startIndex <= i && i < tok.endIndex);
  return t ? t.scopes : [];
}

const WORD = '[\\p{L}\\p{N}_]';
const DURATION = new RegExp(`(?<![\\p{L}\\p{N}_.:-])\\d+\\s*(?:calendar\\s+days?|workdays?|months?|min|h|d)(?!${WORD})`, 'gu');
const SECTION = /§\d+(?:\.\d+)*/g;

test('the grammar gives every shipped clause file the expected scopes', async () => {
  const grammar = await loadGrammar();
  assert.ok(grammar, 'grammar loads');
  const keywords = reservedKeywords();
  assert.ok(keywords.length > 20, `keywords read: ${keywords}`);
  const NAME = '[\\p{L}\\p{N}_-]'; // reading names such as `customer-safe` hold a hyphen
  const keywordRe = new RegExp(`(?<!${NAME})(?:${keywords.join('|')})(?!${NAME})`, 'gu');
  const files = clauseFiles(path.join(repo, 'clauses'));
  assert.ok(files.length > 100, `clause files found: ${files.length}`);
  const counts = { keyword: 0, section: 0, duration: 0, string: 0, comment: 0 };
  const failures = [];
  const expect = (file, n, line, at, len, scope, what, prefix) => {
    for (let i = at; i < at + len; i++) {
      const scopes = scopesAt(line.tokens, i);
      const ok = prefix ? scopes.some((s) => s.startsWith(scope)) : scopes.includes(scope);
      if (!ok) {
        failures.push(`${path.relative(repo, file)}:${n + 1}:${at + 1} ${what} \`${line.text.slice(at, at + len)}\`: expected ${scope}, got ${scopes.join(' ')}`);
        return;
      }
    }
    counts[what] += 1;
  };
  for (const file of files) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    let stack = vsctm.INITIAL;
    let inString = false;
    lines.forEach((text, n) => {
      const r = grammar.tokenizeLine(text, stack);
      stack = r.ruleStack;
      const line = { text, tokens: r.tokens };
      const lexed = lex(text, inString);
      inString = lexed.inString;
      for (const p of lexed.pieces) {
        const piece = text.slice(p.start, p.end);
        if (p.kind === 'comment') {
          expect(file, n, line, p.start, piece.length, 'comment.line.double-slash.clause', 'comment');
        } else if (p.kind === 'string') {
          expect(file, n, line, p.start, piece.length, 'string.quoted.double.clause', 'string');
        } else {
          for (const m of piece.matchAll(SECTION)) {
            expect(file, n, line, p.start + m.index, m[0].length, 'constant.other.section.clause', 'section');
          }
          for (const m of piece.matchAll(DURATION)) {
            expect(file, n, line, p.start + m.index, m[0].length, 'constant.numeric.duration.clause', 'duration');
          }
          for (const m of piece.matchAll(keywordRe)) {
            const at = p.start + m.index;
            const scopes = scopesAt(line.tokens, at);
            const ok = scopes.some((s) => /^(keyword|storage)\./.test(s));
            if (ok) counts.keyword += 1;
            else failures.push(`${path.relative(repo, file)}:${n + 1}:${at + 1} keyword \`${m[0]}\`: got ${scopes.join(' ')}`);
          }
        }
      }
    });
  }
  console.log(`${files.length} clause files; checked ${JSON.stringify(counts)}`);
  assert.deepStrictEqual(failures.slice(0, 20), []);
  for (const [what, n] of Object.entries(counts)) {
    assert.ok(n > 0, `no ${what} was checked`);
  }
});
