// @ts-check
/**
 * The direction of imports in api/ (issue #16), checked by `npm run lint:imports` in CI:
 *
 *   http  ->  messaging, accounts, profiles, push  ->  store/store.ts  <-  store/text, store/postgres
 *
 * Below all of them, api/names/ (how a username folds) is used by the domain and by the stores alike.
 *
 * The edge (api/http/) calls the domain; the domain (api/messaging/, api/accounts/) reaches the data only
 * through the storage interface; each store implements that interface on its own and knows nothing of the
 * domain, the edge or the other store. api/app.ts, server.ts, main.ts, store/open-store.ts and scripts/ wire
 * the layers together and may import any of them. Type-only imports count: a type is a dependency too.
 */

/** @typedef {import('dependency-cruiser').IForbiddenRuleType} Rule */

const STORE_IMPLEMENTATIONS = '^api/store/(text|postgres|migrate)/';
const COMPOSITION = ['^api/(app|server|main)[.]ts$', '^api/store/open-store[.]ts$'];
const DOMAIN = '^api/(messaging|accounts|profiles|attachments|push)/';

/** @type {Rule[]} */
const RULES = [
  {
    name: 'no-circular',
    comment: 'A circle of imports has no bottom: none of its modules can be read, tested or replaced alone.',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
  {
    name: 'store-below-the-domain',
    comment: 'A store keeps records; the rules about them (and HTTP) live above it, in the domain and the edge.',
    severity: 'error',
    from: { path: '^api/store/' },
    to: { path: [DOMAIN, '^api/http/', ...COMPOSITION] },
  },
  {
    name: 'text-store-self-contained',
    comment: 'The text store is one implementation of store.ts: it imports neither the other store nor the tools above both.',
    severity: 'error',
    from: { path: '^api/store/text/' },
    to: { path: ['^api/store/(postgres|migrate)/', ...COMPOSITION] },
  },
  {
    name: 'postgres-store-self-contained',
    comment: 'The PostgreSQL store is one implementation of store.ts: it imports neither the other store nor the tools above both.',
    severity: 'error',
    from: { path: '^api/store/postgres/' },
    to: { path: ['^api/store/(text|migrate)/', ...COMPOSITION] },
  },
  {
    name: 'domain-below-the-edge',
    comment: 'The domain is called by the edge, never the other way: it knows no route, request or server.',
    severity: 'error',
    from: { path: DOMAIN },
    to: { path: ['^api/http/', ...COMPOSITION] },
  },
  {
    name: 'through-the-storage-interface',
    comment: 'The edge and the domain see the data through api/store/store.ts only, so either store can be behind it.',
    severity: 'error',
    from: { path: [DOMAIN, '^api/http/'] },
    to: { path: STORE_IMPLEMENTATIONS },
  },
  {
    name: 'domain-without-express',
    comment: 'The domain never imports Express (STYLE.md, "In this project" 3): it is called with plain values.',
    severity: 'error',
    from: { path: DOMAIN },
    to: { path: 'node_modules/(@types/)?(express|express-session|express-serve-static-core)/' },
  },
  {
    name: 'sessions-library-in-http-only',
    comment:
      'express-session is an HTTP concern: the stores keep plain SessionContent records (store.ts), and api/http/session-store-adapter.ts adapts them (issue #16).',
    severity: 'error',
    from: { pathNot: '^api/http/' },
    to: { path: 'node_modules/(@types/)?express-session/' },
  },
  {
    name: 'names-below-every-layer',
    comment: 'Username folding is shared by the domain and both stores, so it imports none of them.',
    severity: 'error',
    from: { path: '^api/names/' },
    to: { path: ['^api/(http|messaging|accounts|store)/', ...COMPOSITION] },
  },
  {
    name: 'shared-modules-below-every-layer',
    comment: 'assert, contract, errors, logger, config and metrics are used by every layer, so they import none of them.',
    severity: 'error',
    from: { path: '^api/(assert|contract|errors|logger|config|metrics)[.]ts$' },
    to: { path: ['^api/(http|messaging|accounts|store)/', ...COMPOSITION] },
  },
];

/**
 * Imports that break the rules above today, each listed with why it is there and what removes it. The list
 * only shrinks: a new import that breaks a rule fails the check until it is fixed or added here, in review.
 * Each entry excuses exactly its `from` file importing its `to` files under its rule, nothing else.
 *
 * @type {{ rule: string; from: string; to: string[]; why: string }[]}
 */
const KNOWN_EXCEPTIONS = [];

/** `file` as a pattern that matches that file only. */
const exactly = (/** @type {string} */ file) => `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
const list = (/** @type {string | string[] | undefined} */ value) => (value === undefined ? [] : [value].flat());

/**
 * `rule`, with its known exceptions carved out: the rule as written for every file but the excepted ones,
 * and for each excepted file the same rule with only its excepted imports allowed.
 *
 * @param {Rule} rule
 * @returns {Rule[]}
 */
function withKnownExceptions(rule) {
  const known = KNOWN_EXCEPTIONS.filter((k) => k.rule === rule.name);
  if (known.length === 0) return [rule];
  return [
    { ...rule, from: { ...rule.from, pathNot: [...list(rule.from.pathNot), ...known.map((k) => exactly(k.from))] } },
    ...known.map((k) => ({
      ...rule,
      comment: `${rule.comment ?? ''} Known exception: ${k.from} -> ${k.to.join(', ')} (${k.why}).`,
      from: { ...rule.from, path: exactly(k.from) },
      to: { ...rule.to, pathNot: [...list(rule.to.pathNot), ...k.to.map(exactly)] },
    })),
  ];
}

for (const k of KNOWN_EXCEPTIONS) {
  if (!RULES.some((r) => r.name === k.rule)) throw new Error(`known exception for a rule that does not exist: ${k.rule}`);
}
if (new Set(KNOWN_EXCEPTIONS.map((k) => `${k.rule} ${k.from}`)).size !== KNOWN_EXCEPTIONS.length) {
  throw new Error('two known exceptions for the same rule and file: merge them into one entry');
}

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: RULES.flatMap(withKnownExceptions),
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
