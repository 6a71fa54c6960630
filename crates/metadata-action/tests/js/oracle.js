// The differential tests' oracle: reads {"kind": ..., "cases": [...]} as JSON on stdin and
// writes one JSON result per case, computed with the npm packages docker/metadata-action
// uses. Errors are results too ({"error": message}). Run with NODE_PATH pointing at the
// installed node_modules and TZ=UTC (the runner's zone).
'use strict';

const handlebars = require('handlebars');
const moment = require('moment-timezone');
const semver = require('semver');
const pep440 = require('@renovate/pep440');
const { parse: csvParse } = require('csv-parse/sync');

// A lone surrogate cannot cross into Rust strings; both sides show it as U+FFFD.
const wellFormed = (s) => (typeof s === 'string' ? s.toWellFormed() : s);

const kinds = {
  regex({ source, flags, subject }) {
    const m = subject.match(new RegExp(source, flags));
    return { match: m === null ? null : Array.from(m, (g) => (g === undefined ? null : wellFormed(g))) };
  },
  date({ ms, format, tz }) {
    return { out: moment(ms).tz(tz).format(format) };
  },
  // A type=semver value: valid() decides, the loose parse is what its pattern renders.
  semver({ s, template }) {
    const valid = semver.valid(s);
    if (valid === null) return { out: null };
    const p = semver.parse(s, { loose: true });
    return {
      out: [valid, p.version, p.major, p.minor, p.patch, p.prerelease.join('.'), p.build.join('.'),
        handlebars.compile(template)(p)],
    };
  },
  pep440({ s }) {
    if (pep440.valid(s) === null) return { out: null };
    const e = pep440.explain(s);
    return {
      out: [pep440.clean(s), pep440.major(s), pep440.minor(s), pep440.patch(s),
        Boolean(e.is_prerelease || e.is_postrelease || e.is_devrelease)],
    };
  },
  // The action's list inputs (actions-toolkit's getInputList with ignoreComma).
  csv_list({ input }) {
    const records = csvParse(input.trim(), {
      columns: false, relaxQuotes: true, comment: '#', comment_no_infix: true,
      relaxColumnCount: true, skipEmptyLines: true,
    });
    return { out: records.map((r) => r.join(',')).filter((e) => e).map((e) => e.trim()) };
  },
  // One entry split into its fields (the action's tag/flavor entry parsing).
  csv_fields({ input }) {
    const records = csvParse(input, { relaxColumnCount: true, skipEmptyLines: true });
    return { out: records.length === 0 ? null : records[0] };
  },
  handlebars({ template, data }) {
    return { out: handlebars.compile(template)(data) };
  },
};

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const { kind, cases } = JSON.parse(input);
  const run = kinds[kind];
  const results = cases.map((c) => {
    try {
      return run(c);
    } catch (e) {
      return { error: e.message };
    }
  });
  process.stdout.write(JSON.stringify(results));
});
