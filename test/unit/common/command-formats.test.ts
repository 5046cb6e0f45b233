// Issue #18: the leader writes the newest command format every member applies, a peer from
// before negotiation counts as the oldest format, and a peer with no format in common is named.
import { describe, expect, it } from 'vitest';
import { chooseFormat, compatible, formatRangeText, incompatibility, parseFormatRange, UNADVERTISED, type FormatRange } from '../../../node-runtime/common/command-formats';

const own: FormatRange = { min: 1, max: 3 };
const advertised = (entries: [number, FormatRange][]) => new Map(entries);

describe('parseFormatRange', () => {
  it.each([
    ['1-3', { min: 1, max: 3 }],
    ['2', { min: 2, max: 2 }],
    ['10-12', { min: 10, max: 12 }],
  ])('reads %s', (text, range) => {
    expect(parseFormatRange(text)).toEqual(range);
    expect(formatRangeText(range)).toBe(text);
  });

  it('takes a peer that advertises nothing (an older release) as speaking the oldest format only', () => {
    expect(parseFormatRange(undefined)).toEqual(UNADVERTISED);
    expect(UNADVERTISED).toEqual({ min: 1, max: 1 });
  });

  it.each([[''], ['3-1'], ['0-2'], ['1-'], ['a'], ['1-2-3'], [' 1-3'], ['1234'], [['1-3', '1-3']]])('refuses %j', (value) => {
    expect(parseFormatRange(value)).toBeNull();
  });
});

describe('chooseFormat', () => {
  it('a cluster of one writes its newest format', () => {
    expect(chooseFormat(own, [], advertised([]))).toEqual({ format: 3, behind: [], cannot: [] });
  });

  it('writes the newest format every member applies, and names the members that hold it back', () => {
    const peers = advertised([
      [2, { min: 1, max: 3 }],
      [3, { min: 1, max: 2 }],
    ]);
    expect(chooseFormat(own, [2, 3], peers)).toEqual({ format: 2, behind: [3], cannot: [] });
  });

  it('switches to the newest format only once the last member advertises it', () => {
    const peers = new Map<number, FormatRange>([
      [2, UNADVERTISED],
      [3, UNADVERTISED],
    ]);
    expect(chooseFormat(own, [2, 3], peers)).toMatchObject({ format: 1, behind: [2, 3] });
    peers.set(2, own);
    expect(chooseFormat(own, [2, 3], peers)).toMatchObject({ format: 1, behind: [3] });
    peers.set(3, own);
    expect(chooseFormat(own, [2, 3], peers)).toEqual({ format: 3, behind: [], cannot: [] });
  });

  it('counts a member not heard from yet (down, or not yet connected) as the oldest format: it may come back as an older release', () => {
    expect(chooseFormat(own, [2, 3], advertised([[2, own]]))).toEqual({ format: 1, behind: [3], cannot: [] });
  });

  it('counts learners like voters: every member applies every entry', () => {
    expect(chooseFormat(own, [2, 3, 4], advertised([[2, own], [3, own], [4, { min: 1, max: 2 }]]))).toMatchObject({ format: 2, behind: [4] });
  });

  it('never writes past its own newest format, whatever the peers speak', () => {
    expect(chooseFormat(own, [2], advertised([[2, { min: 1, max: 7 }]]))).toEqual({ format: 3, behind: [], cannot: [] });
  });

  it('names a member that shares no format with this node, and does not let it hold the others back (its stream is refused)', () => {
    const newer: FormatRange = { min: 4, max: 5 };
    expect(chooseFormat(own, [2, 3], advertised([[2, own], [3, newer]]))).toEqual({ format: 3, behind: [], cannot: [3] });
    const laterBuild: FormatRange = { min: 3, max: 4 };
    expect(chooseFormat(laterBuild, [2, 3], advertised([[2, UNADVERTISED], [3, laterBuild]]))).toEqual({ format: 4, behind: [], cannot: [2] });
  });

  it('never writes below the oldest format a member applies: one whose oldest is newer than the others need is named', () => {
    expect(chooseFormat(own, [2, 3], advertised([[2, UNADVERTISED], [3, { min: 2, max: 3 }]]))).toEqual({ format: 1, behind: [2], cannot: [3] });
  });
});

describe('compatible and incompatibility', () => {
  it('two ranges are compatible when they share a format', () => {
    expect(compatible(own, UNADVERTISED)).toBe(true);
    expect(compatible(own, { min: 3, max: 5 })).toBe(true);
    expect(compatible(own, { min: 4, max: 5 })).toBe(false);
    expect(compatible({ min: 3, max: 4 }, UNADVERTISED)).toBe(false);
  });

  it('says which node to upgrade', () => {
    expect(incompatibility(1, own, 2, { min: 4, max: 5 })).toBe('node 2 applies command formats 4-5 and node 1 1-3: no format in common; upgrade node 1');
    expect(incompatibility(1, { min: 3, max: 4 }, 2, UNADVERTISED)).toBe('node 2 applies command formats 1 and node 1 3-4: no format in common; upgrade node 2');
  });
});
