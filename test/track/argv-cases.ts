/**
 * Script lines and the argv keepalived 2.2.7 (Debian package) actually passed to the
 * script, recorded with a script that dumps its arguments in hex. `P` stands for the
 * script path; `rest` is the text after the keyword (notify_backup ...), both passes
 * apply. `args` are the arguments after argv[0]. `user`/`group` when keepalived took the
 * extra words as such. `error` when keepalived refused the line ("Unable to parse script").
 * argv.keepalived.test.ts replays every row against the real keepalived.
 */
export interface ArgvCase {
  rest: string;
  args?: string[];
  /** argv[0] differs from P (P plus this suffix). */
  pathSuffix?: string;
  user?: string;
  group?: string;
  error?: 'KV_ARGV_UNTERMINATED_QUOTE' | 'KV_ARGV_TRAILING_BACKSLASH';
}

export const ARGV_CASES: ArgvCase[] = [
  { rest: String.raw`P`, args: [] },
  { rest: String.raw`"P a b"`, args: ['a', 'b'] },
  { rest: String.raw`"P 'a b' c"`, args: ['a b', 'c'] },
  { rest: String.raw`'P "a b" c'`, args: ['a b', 'c'] },
  { rest: String.raw`"P a\ b c\\d"`, args: ['a', 'b', 'cd'] },
  { rest: String.raw`"P \x41\102\t\n\q"`, args: ['AB', 'q'] },
  { rest: String.raw`"P  x   y  "`, args: ['x', 'y'] },
  { rest: String.raw`P"q r"s`, pathSuffix: 'q', args: ['rs'] },
  { rest: String.raw`"P a'b c'd"`, args: ['ab cd'] },
  { rest: String.raw`"P \"quoted\" \\"`, error: 'KV_ARGV_TRAILING_BACKSLASH' },
  { rest: String.raw`"P ''"`, args: [''] },
  { rest: String.raw`"P 'in \t single'"`, args: ['in \t single'] },
  { rest: String.raw`"P \x4142"`, args: ['B'] },
  { rest: String.raw`"P a\x41"`, args: ['aA'] },
  { rest: String.raw`'P a\x41'`, args: ['aA'] },
  { rest: String.raw`"P \\x41"`, args: ['A'] },
  { rest: String.raw`"P \\xZZ"`, args: ['xZZ'] },
  { rest: String.raw`"P a\\0b"`, args: ['a'] },
  { rest: String.raw`"P \\ca\\cA\\c?"`, args: ['\x01\x01\x1f'] },
  { rest: String.raw`"P \\1234"`, args: ['S4'] },
  { rest: String.raw`"P \\u0041"`, args: ['u0041'] },
  { rest: String.raw`"P \\e\\E"`, args: ['e\x1b'] },
  { rest: String.raw`"P \\a\\b\\f\\v\\r"`, args: ['\x07\x08\x0c\x0b\x0d'] },
  { rest: String.raw`"P \\x414243"`, args: ['C'] },
  { rest: String.raw`"P \\x"`, args: ['x'] },
  { rest: String.raw`"P \\8"`, args: ['8'] },
  { rest: String.raw`"P a\\ b"`, args: ['a b'] },
  { rest: String.raw`"P 'a\\'b'"`, args: ["a'b"] },
  { rest: String.raw`"P \\'a b\\'"`, args: ["'a", "b'"] },
  { rest: String.raw`"P \'unterminated"`, error: 'KV_ARGV_UNTERMINATED_QUOTE' },
  { rest: String.raw`"P #notacomment"`, args: ['#notacomment'] },
  { rest: String.raw`"P a!b"`, args: ['a!b'] },
  { rest: String.raw`"P \\c"`, args: ['c'] },
  { rest: String.raw`"P \\x4g"`, args: ['\x04g'] },
  { rest: String.raw`"P a\rb"`, args: ['a', 'b'] },
  { rest: String.raw`"P a\fb"`, args: ['a', 'b'] },
  { rest: String.raw`"P a\vb"`, args: ['a', 'b'] },
  { rest: String.raw`"P a\tb"`, args: ['a', 'b'] },
  { rest: String.raw`"P a\nb"`, args: ['a', 'b'] },
  { rest: String.raw`"P a\\c b"`, args: ['a'] },
  { rest: String.raw`"P a\0b c"`, args: ['a'] },
  { rest: String.raw`"P \\x4A\\x4a"`, args: ['JJ'] },
  { rest: String.raw`"P \\c\\\\"`, error: 'KV_ARGV_TRAILING_BACKSLASH' },
  { rest: String.raw`"P a\"\"b"`, args: ['ab'] },
  { rest: String.raw`"P a\x20b"`, args: ['a'] },
  { rest: String.raw`"P a\\x20b"`, args: ['a\x0b'] },
  { rest: String.raw`"P a\101b"`, args: ['aAb'] },
  { rest: String.raw`"P a\x2"`, args: ['a\x02'] },
  { rest: String.raw`"P a\\x1F41"`, args: ['aA'] },
  { rest: String.raw`"P a\x41 b"`, args: ['aA', 'b'] },
];
