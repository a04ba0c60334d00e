import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/kinds/catalog/index.js';
import { leniencyHolds, type GroupValue, type TemplateKind } from '../../src/kinds/schema.js';
import { LENIENT, STRICT } from '../../src/kinds/validate.js';
import {
  acceptedValues,
  allFields,
  cloneNodes,
  describeRule,
  ensureGroup,
  exampleNodes,
  groupFields,
  leafFields,
  readFields,
  refusedValues,
  mustBeGiven,
  otherCase,
  remove,
  ruleCases,
  setLeaf,
  storedAt,
  validate,
  type Node,
  type Outcome,
} from '../kind-cases.js';

/**
 * Cases generated from the declarations of src/kinds/catalog/: every enum value of every field
 * accepted and one outside refused, both ends of every range accepted and one past each end
 * refused, every required field's absence refused, both sides of every combination rule. The
 * lenient fields of template-kinds.md §4.5a get acceptance tests instead of refusals.
 *
 * Field cases run the field validation alone (readKindFields), on the kind's doc example with
 * the one element changed: a value a field takes may still be refused in combination (VP8 in
 * an mp4 Container), and the rule cases test those combinations one rule at a time.
 */

const KINDS: readonly TemplateKind[] = CATALOG;
const kindCases = KINDS.map((kind) => [kind.tag, kind] as const);

const accepted = (outcome: Outcome): GroupValue => {
  if (!outcome.accepted) throw new Error(`refused: ${outcome.code} ${outcome.message}`);
  return outcome.data;
};
const refusal = (outcome: Outcome): { code: string; message: string } => {
  if (outcome.accepted) throw new Error(`accepted: ${JSON.stringify(outcome.data)}`);
  return outcome;
};

const parentOf = (path: string): string => path.split('.').slice(0, -1).join('.');
const nameOf = (path: string): string => path.split('.').at(-1) ?? path;

/** The doc example with the element at `path` set to `value` (parents created as needed). */
function exampleWith(kind: TemplateKind, path: string, value: string): Node[] {
  const nodes = exampleNodes(kind);
  setLeaf(kind, nodes, path, value);
  return nodes;
}

const MODES = [
  ['strict', STRICT],
  ['default', LENIENT],
] as const;

describe.each(kindCases)('%s', (_tag, kind) => {
  describe.each(MODES)('%s mode', (_mode, mode) => {
    const { strict } = mode;
    const read = (nodes: readonly Node[]): Outcome => readFields(kind, nodes, mode);
    const whole = (nodes: readonly Node[]): Outcome => validate(kind, nodes, kind.rules, mode);

    it('accepts its doc example with every rule', () => {
      expect(Object.keys(accepted(whole(exampleNodes(kind)))).length).toBeGreaterThan(0);
    });

    const leaves = leafFields(kind);

    const acceptCases = leaves.flatMap(({ path, field }) => acceptedValues(field).map((value) => [path, value.what, value.value, value.stored] as const));
    it.each(acceptCases)('%s accepts %s "%s"', (path, _what, value, stored) => {
      expect(storedAt(accepted(read(exampleWith(kind, path, value))), path)).toBe(stored);
    });

    const caseCases = leaves.flatMap(({ path, field }) => {
      const variant = otherCase(field);
      return variant === undefined ? [] : [[path, variant] as const];
    });
    if (caseCases.length > 0) {
      it.each(caseCases)(strict ? '%s refuses "%s", in another case' : '%s takes "%s", in another case, and keeps it as sent', (path, value) => {
        const outcome = read(exampleWith(kind, path, value));
        if (strict) expect(refusal(outcome).message).toMatch(new RegExp(`^${path.replaceAll('.', '\\.')} must be `));
        else expect(storedAt(accepted(outcome), path)).toBe(value);
      });
    }

    const refuseCases = leaves.flatMap(({ path, field }) => refusedValues(field, strict).map((value) => [path, value.what, value.value] as const));
    if (refuseCases.length > 0) {
      it.each(refuseCases)('%s refuses %s "%s"', (path, _what, value) => {
        const { code, message } = refusal(read(exampleWith(kind, path, value)));
        expect(code).toBe('InvalidArgument');
        expect(message).toMatch(new RegExp(`^${path.replaceAll('.', '\\.')} (must|may) `));
      });
    }

    const requiredPaths = allFields(kind.fields)
      .filter(({ field }) => mustBeGiven(field, strict))
      .map(({ path }) => path);
    if (requiredPaths.length > 0) {
      it.each(requiredPaths)('refuses a body without %s', (path) => {
        const nodes = exampleNodes(kind);
        remove(kind, nodes, path, true);
        expect(refusal(read(nodes)).message).toBe(`${path} is required.`);
      });
    }

    const optionalLeaves = leaves.filter(({ field }) => !mustBeGiven(field, strict));
    it.each(optionalLeaves.map(({ path, field }) => [path, field] as const))('takes an empty %s as not set', (path, field) => {
      const data = accepted(read(exampleWith(kind, path, '')));
      expect(storedAt(data, path)).toBe(kind.fillDefaults ? field.default : undefined);
    });

    const groups = groupFields(kind);
    it.each(['', ...groups.map(({ path }) => path)])(
      strict ? 'refuses an unknown element in "%s"' : 'ignores an unknown element in "%s", and notes it',
      (path) => {
        const nodes = exampleNodes(kind);
        ensureGroup(kind, nodes, path).push({ name: 'Typo', text: '1', children: [] });
        const typo = `${path === '' ? '' : `${path}.`}Typo`;
        if (strict) {
          expect(refusal(read(nodes)).message).toBe(`${typo} is not an element this template kind accepts.`);
          return;
        }
        const outcome = read(nodes);
        expect(JSON.stringify(accepted(outcome))).not.toContain('Typo');
        expect(outcome.accepted && outcome.notes.ignored).toEqual([typo]);
      },
    );

    it.each(leaves.map(({ path, field }) => [path, field] as const))(
      strict ? 'refuses %s given twice' : 'takes the last of %s given twice, and notes it',
      (path, field) => {
        const values = acceptedValues(field);
        const first = values[0]!.value;
        const last = values.at(-1)!;
        const nodes = exampleWith(kind, path, first);
        ensureGroup(kind, nodes, parentOf(path)).push({ name: nameOf(path), text: last.value, children: [] });
        if (strict) {
          expect(refusal(read(nodes)).message).toBe(`${path} is given more than once.`);
          return;
        }
        const outcome = read(nodes);
        expect(storedAt(accepted(outcome), path)).toBe(last.stored);
        expect(outcome.accepted && outcome.notes.repeated).toContain(path);
      },
    );

    it(strict ? 'refuses the containers of every other kind' : 'ignores the containers of every other kind', () => {
      for (const other of KINDS) {
        const foreign = Object.keys(other.fields).filter((name) => !Object.hasOwn(kind.fields, name));
        for (const name of foreign) {
          const nodes = exampleNodes(kind);
          nodes.push({ name, text: '', children: [{ name: 'Anything', text: '1', children: [] }] });
          const outcome = whole(nodes);
          if (strict) expect(refusal(outcome).message, `${other.tag}'s ${name}`).toBe(`${name} is not an element this template kind accepts.`);
          else expect(outcome.accepted && outcome.notes.ignored, `${other.tag}'s ${name}`).toEqual([name]);
        }
      }
    });

    const repeated = groups.filter(({ field }) => field.repeated?.max !== undefined);
    if (repeated.length > 0) {
      describe.each(repeated.map(({ path, field }) => [path, field.repeated?.max ?? 0] as const))('%s, at most %i', (path, max) => {
        /** The example with the element given `count` times, each a copy of its first (or a seeded) one. */
        const times = (count: number): Node[] => {
          const nodes = exampleNodes(kind);
          const one = cloneNodes(ensureGroup(kind, nodes, path));
          remove(kind, nodes, path);
          const parent = ensureGroup(kind, nodes, parentOf(path));
          for (let index = 0; index < count; index++) parent.push({ name: nameOf(path), text: '', children: cloneNodes(one) });
          return nodes;
        };
        it(`accepts ${max} and answers a list`, () => {
          const data = accepted(read(times(max)));
          const parentData = parentOf(path) === '' ? data : (storedAt(data, parentOf(path)) as GroupValue);
          expect(parentData[nameOf(path)]).toHaveLength(max);
        });
        it(`refuses ${max + 1}`, () => {
          expect(refusal(read(times(max + 1))).message).toBe(`${path} may be given at most ${max} times; got ${max + 1}.`);
        });
        it(`refuses ${max + 50}, counting the ones past the maximum it does not read`, () => {
          expect(refusal(read(times(max + 50))).message).toBe(`${path} may be given at most ${max} times; got ${max + 50}.`);
        });
      });
    }

    const emptyGroups = groups.filter(({ field }) => field.allowEmpty);
    if (emptyGroups.length > 0) {
      it.each(emptyGroups.map(({ path }) => path))('takes an empty %s as given, and answers it empty', (path) => {
        const nodes = exampleNodes(kind);
        remove(kind, nodes, path, true);
        ensureGroup(kind, nodes, parentOf(path)).push({ name: nameOf(path), text: '', children: [] });
        expect(storedAt(accepted(read(nodes)), path)).toEqual({});
      });
    }

    const lenient = leaves.filter((entry) => entry.field.lenient !== undefined);
    if (lenient.length > 0) {
      describe.each(lenient.map(({ path, field }) => [path, field] as const))('lenient %s', (path, field) => {
        const leniency = field.lenient!;
        const holds = leniencyHolds(leniency, strict);
        for (const value of leniency.accepts ?? []) {
          it(`${holds ? 'accepts' : 'refuses'} "${value}" (${leniency.evidence}: ${leniency.reason})`, () => {
            const outcome = whole(exampleWith(kind, path, value));
            if (!holds) {
              expect(refusal(outcome).message).toMatch(new RegExp(`^${path.replaceAll('.', '\\.')} must `));
              return;
            }
            expect(storedAt(accepted(outcome), path)).toBe(field.unsetValues?.includes(value) ? undefined : value);
          });
        }
        if (leniency.mayBeAbsent) {
          it(`${holds ? 'accepts' : 'refuses'} it left out or empty (${leniency.evidence}: ${leniency.reason})`, () => {
            const without = exampleNodes(kind);
            remove(kind, without, path, true);
            const empty = exampleWith(kind, path, '');
            if (!holds) {
              expect(refusal(read(without)).message).toBe(`${path} is required.`);
              expect(refusal(read(empty)).message).toBe(`${path} is required.`);
              return;
            }
            expect(storedAt(accepted(whole(without)), path)).toBeUndefined();
            expect(storedAt(accepted(whole(empty)), path)).toBeUndefined();
          });
        }
      });
    }

    const rules = kind.rules ?? [];
    if (rules.length > 0) {
      describe.each(rules.map((rule) => [describeRule(rule), rule] as const))('rule: %s', (_name, rule) => {
        const cases = ruleCases(kind, rule);
        it('has cases on both sides', () => {
          expect(cases.some((ruleCase) => ruleCase.accepted)).toBe(true);
          expect(cases.some((ruleCase) => !ruleCase.accepted)).toBe(true);
        });
        // Outside strict mode a rule between fields is stored as given: every case is accepted.
        it.each(cases.map((ruleCase) => [ruleCase.accepted || !strict ? 'accepts' : 'refuses', ruleCase.what, ruleCase] as const))(
          '%s %s',
          (_verdict, _what, ruleCase) => {
            const outcome = validate(kind, ruleCase.nodes, [rule], mode);
            if (ruleCase.accepted || !strict) {
              accepted(outcome);
              return;
            }
            const { code, message } = refusal(outcome);
            expect(code).toBe('InvalidArgument');
            for (const path of rule.type === 'requireSome' ? rule.paths : [rule.path]) expect(message).toContain(path);
            if (rule.when.length > 0) expect(message).toContain(' when ');
          },
        );
      });
    }
  });
});

describe('lenient fields keep the rest of their rule', () => {
  const kind = (tag: string): TemplateKind => KINDS.find((candidate) => candidate.tag === tag)!;
  it.each([
    ['Watermark', 'Watermark.Text.FontType', 'comic.ttf', 'must be one of'],
    ['HighSpeedHd', 'Video.Bufsize', '999', 'must be in [1000, 128000]'],
    ['HighSpeedHd', 'Video.Maxrate', '9', 'must be in [10, 50000]'],
    ['SpeechRecognition', 'SpeechRecognition.ChannelNum', '3', 'must be one of 1, 2'],
  ])('%s %s refuses "%s"', (tag, path, value, message) => {
    expect(refusal(validate(kind(tag), exampleWith(kind(tag), path, value))).message).toContain(`${path} ${message}`);
  });

  it('takes the documented 0xRRGGBB form of FontColor too', () => {
    const watermark = kind('Watermark');
    expect(storedAt(accepted(validate(watermark, exampleWith(watermark, 'Watermark.Text.FontColor', '0xFF0000'))), 'Watermark.Text.FontColor')).toBe(
      '0xFF0000',
    );
  });

  it('lists exactly the lenient fields, each with its evidence', () => {
    const lenient = KINDS.flatMap((candidate) =>
      leafFields(candidate)
        .filter(({ field }) => field.lenient !== undefined)
        .map(({ path, field }) => `${candidate.tag} ${path} (${field.lenient?.evidence})`),
    );
    const audioMix = (prefix: string): string[] => [
      `${prefix}AudioMix.EffectConfig.EndFadeoutTime (sdk)`,
      `${prefix}AudioMixArray.EffectConfig.EndFadeoutTime (sdk)`,
    ];
    expect(lenient.sort()).toEqual(
      [
        'Concat ConcatTemplate.ConcatFragment.Mode (sdk)',
        'HighSpeedHd Video.Bufsize (doc)',
        'HighSpeedHd Video.Maxrate (doc)',
        'SpeechRecognition SpeechRecognition.ChannelNum (doc)',
        'SpeechRecognition SpeechRecognition.ResTextFormat (sdk)',
        'Watermark Watermark.Text.FontColor (doc)',
        'Watermark Watermark.Text.FontType (doc)',
        'Watermark Watermark.Dx (sdk)',
        'Watermark Watermark.Dy (sdk)',
        ...audioMix('Concat ConcatTemplate.'),
        ...audioMix('Transcode '),
        ...audioMix('VideoMontage '),
        ...audioMix('VideoEnhance VideoEnhance.Transcode.'),
      ].sort(),
    );
  });
});

describe('defaults', () => {
  it('only ImageOCR fills them (the docs show the service doing so only there)', () => {
    expect(KINDS.filter((kind) => kind.fillDefaults).map((kind) => kind.tag)).toEqual(['ImageOCR']);
  });

  it.each(kindCases.filter(([, kind]) => !kind.fillDefaults))('%s stores only what was sent', (_tag, kind) => {
    const data = accepted(validate(kind, exampleNodes(kind)));
    const sent = new Set(leafPaths(exampleNodes(kind)));
    for (const path of storedLeafPaths(data)) expect(sent, `${path} was not sent`).toContain(path);
  });
});

/** The paths of the non-empty leaves of a request tree, without repeat indexes. */
function leafPaths(nodes: readonly Node[], prefix = ''): string[] {
  return nodes.flatMap((node) =>
    node.children.length === 0 ? (node.text === '' ? [] : [prefix + node.name]) : leafPaths(node.children, `${prefix}${node.name}.`),
  );
}

function storedLeafPaths(data: GroupValue, prefix = ''): string[] {
  return Object.entries(data).flatMap(([name, value]) =>
    typeof value === 'string'
      ? [prefix + name]
      : (Array.isArray(value) ? value : [value]).flatMap((item: GroupValue) => storedLeafPaths(item, `${prefix}${name}.`)),
  );
}
