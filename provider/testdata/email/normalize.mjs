// Writes normalize.json: inputs and what NextAuth 4.24.15's default
// normalizeIdentifier (core/routes/signin.ts) makes of them in this Node.js
// ("out", null for a rejection). The function below restates that
// normaliser (step 2 of POST /signin/email in
// docs/compatibility.md#e-mail-sign-in) with JavaScript's own normalize,
// trim, toLowerCase and split, which are what the Go code must match.
//
// Where provider.NormalizeEmail departs from it on purpose, the case also
// has "departs" (why) and "ours" (what the Go code must give instead, null
// for a rejection), computed by ours() below, which restates those
// departures: control characters refused; each part trimmed after
// splitting; white space and format characters (but ZWNJ, ZWJ) refused
// inside a part. Regenerate from the module root with
//
//	node provider/testdata/email/normalize.mjs > provider/testdata/email/normalize.json
//
// Characters whose Unicode properties changed after Unicode 15.0 (the
// tables of Go's unicode package and golang.org/x/text on Go 1.26) are left
// out of the generated inputs.

function normalizeIdentifier(identifier) {
  const trimmed = identifier.normalize("NFKC").trim();
  if ((trimmed.match(/@/g) ?? []).length !== 1) throw new Error("Invalid email address format.");
  if (trimmed.includes('"')) throw new Error("Invalid email address format.");
  let [local, domain] = trimmed.toLowerCase().split("@");
  if (!local || !domain) throw new Error("Invalid email address format.");
  domain = domain.split(",")[0];
  if (!domain.includes(".")) throw new Error("Invalid email address format.");
  return `${local}@${domain}`;
}

// ours restates provider.NormalizeEmail: NextAuth's rules plus the
// departures of docs/compatibility.md#e-mail-sign-in. It throws the reason
// of a rejection.
function ours(identifier) {
  const trimmed = identifier.normalize("NFKC").trim();
  if ((trimmed.match(/@/g) ?? []).length !== 1) throw new Error("Invalid email address format.");
  if (trimmed.includes('"')) throw new Error("Invalid email address format.");
  if (/\p{Cc}/u.test(trimmed)) throw new Error("control character");
  let [local, domain] = trimmed.toLowerCase().split("@");
  domain = domain.split(",")[0];
  local = local.trim();
  domain = domain.trim();
  if (!local || !domain) throw new Error("Invalid email address format.");
  if (/(?![\u200c\u200d])[\p{White_Space}\p{Cf}]/u.test(local + domain)) {
    throw new Error("white space or format character inside");
  }
  if (!domain.includes(".")) throw new Error("Invalid email address format.");
  return `${local}@${domain}`;
}

const fixed = [
  "", " ", "@", "a@", "@b.c", "a@b", "a@b.c", "A@B.C", " a@b.c ", "\ta@b.c\n",
  "a@@b.c", "a@b@c.d", 'a"b@c.d', '"a"@b.c', "a@b.c,d", "a@b.c,evil@x.y", "a@b,c.d",
  "a@.", "a@b.", "a.b@c", "Alice.Smith+tag@Example.COM", "alice@example.com,",
  "ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "alice＠example.com", "alice﹫example.com",
  "ﬁnance@example.com", "ﬀ@ﬃ.com", "①@②.③", "㎏@㎒.com", "Å@example.com", "Ω@example.com",
  "K@example.com", "ǅ@example.com", "İ@example.com", "ẞ@example.com", "ΣΑΣ@example.com",
  "ΟΔΥΣΣΕΥΣ@example.com", "Σ@example.com", "AΣ@example.com", "AΣ.b@example.com", "Σ\u0345@x.y",
  "A\u0345Σ@x.y", "@\u0345Σ.x", "x@AΣ'.y", "x@AΣ'B.y", "a\u00a0@b.c", "\u00a0a@b.c\u00a0",
  "\u3000a@b.c\u3000", "\ufeffa@b.c\ufeff", "\u0085a@b.c\u0085", "\u2028a@b.c\u2029",
  "\u1680a@b.c", "\u180ea@b.c", "\u200ba@b.c", "a@b.c ,x", "a@b.c\u00a0,x", "´@x.y",
  "Ω\u0345@x.y", "a@x.y,\u0301", "\ufb01@\ufb02.com", "＂a＂@b.c", "a@b．c", "a@b。c",
  "a\u0000@b.c", "\ud83d\ude00@example.com", "a@\ud83d\ude00.com", "\ufffd@b.c",
  "victim@example.com ,x", "victim @example.com", "victim@ example.com", "vic tim@example.com",
  "victim@exam ple.com", "vic\u00a0tim@example.com", "victim@example.com\u3000,x", "vic\u00adtim@example.com",
  "vic\u200btim@example.com", "victim@exa\u202emple.com", "\u0928\u094d\u200d\u0928@example.com", "a\u200c@b.c",
];

// A deterministic mix of the characters above and random code points.
const pool = [..."aAzZ09@.,\" \t\n'-_+:\u00a0\u0085\ufeff\u2028\u3000\u1680\u180eİIıΣσςΑΒǅǄßẞﬁﬀ＠．＂ｅＡ①㎏ℌΩKÅ\u0301\u0307\u0345ΐΰ·"];
let seed = 20240915;
function rand(n) {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
}
// Code points assigned or changed after Unicode 15.0 where that matters
// here (case mappings, General_Category), found by diffing this Node.js
// against the Go code, are skipped.
const newer = [[0x0295, 0x0295], [0x02e4, 0x02e4], [0x0897, 0x0897], [0x1ac0, 0x1aff],
  [0x1c89, 0x1c8a], [0xa7cb, 0xa7dc], [0x10d40, 0x10d8f], [0x11700, 0x1174f]];
function usable(c) {
  if (c >= 0xd800 && c < 0xe000) return false;
  if (newer.some(([lo, hi]) => c >= lo && c <= hi)) return false;
  return /\p{Assigned}/u.test(String.fromCodePoint(c)) && c < 0x10000;
}
const random = [];
while (random.length < 1500) {
  let s = "";
  const n = rand(14);
  for (let i = 0; i < n; i++) {
    if (rand(8) === 0) {
      const c = rand(0x10000);
      s += usable(c) ? String.fromCodePoint(c) : "x";
    } else {
      s += pool[rand(pool.length)];
    }
  }
  if (rand(2) === 0) s += "@" + pool[rand(pool.length)] + "x." + pool[rand(pool.length)];
  random.push(s);
}

function run(f, input) {
  try {
    return { value: f(input) };
  } catch (e) {
    return { value: null, why: e.message };
  }
}

const cases = [...fixed, ...random].map((input) => {
  const theirs = run(normalizeIdentifier, input);
  const mine = run(ours, input);
  if (mine.value === theirs.value) return { in: input, out: theirs.value };
  const why = mine.value === null ? mine.why : "each part trimmed";
  return { in: input, out: theirs.value, departs: why, ours: mine.value };
});
process.stdout.write("[\n" + cases.map((c) => JSON.stringify(c)).join(",\n") + "\n]\n");
