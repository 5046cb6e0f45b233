import { describe, expect, it } from 'vitest';
import type { Message } from '../../../node-runtime/raft/types';
import { CodecError, decodeMessages, encodeMessage } from '../../../node-runtime/transport';
import { encodeFrame, FrameDecoder } from '../../../node-runtime/transport/framing';
import { message } from './harness';

const binary = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff);

const samples: Message[] = [
  message(1, 2),
  message(3, 1, {
    type: 'app',
    term: 7,
    logTerm: 6,
    index: 41,
    commit: 40,
    entries: [
      { term: 6, index: 42, kind: 'normal', data: binary },
      { term: 7, index: 43, kind: 'confChange', data: new Uint8Array([0, 255, 0, 10, 13]) },
      { term: 7, index: 44, kind: 'normal', data: new Uint8Array() },
    ],
  }),
  message(2, 1, { type: 'appResp', term: 2 ** 40, index: Number.MAX_SAFE_INTEGER, reject: true, rejectHint: 12345 }),
  message(1, 3, {
    type: 'snap',
    term: 9,
    snapshot: {
      metadata: {
        index: 1000,
        term: 8,
        confState: { voters: [1, 2, 3], learners: [4], votersOutgoing: [1, 2, 5], learnersNext: [5], autoLeave: true },
      },
      data: binary,
    },
  }),
  message(1, 2, { type: 'heartbeat', context: 'read-ü-€-😀' }),
  message(2, 1, { type: 'readIndexResp', context: '' }),
  message(1, 2, { type: 'transferLeader' }),
];

describe('raft message codec', () => {
  it('round-trips every field, binary entry data, snapshots and contexts', () => {
    for (const m of samples) {
      const decoded = decodeMessages(encodeMessage(m));
      expect(decoded).toEqual([m]);
      expect(decoded[0]?.context).toBe(m.context);
    }
  });

  it('decodes a batch of records laid back to back', () => {
    const payload = Buffer.concat(samples.map(encodeMessage));
    expect(decodeMessages(payload)).toEqual(samples);
  });

  it('is compact: a heartbeat takes a dozen bytes, an entry adds little beyond its data', () => {
    expect(encodeMessage(message(1, 2, { term: 5, commit: 100 })).length).toBeLessThanOrEqual(12);
    const withEntry = message(1, 2, { type: 'app', entries: [{ term: 1, index: 1, kind: 'normal', data: binary }] });
    expect(encodeMessage(withEntry).length).toBeLessThan(binary.length + 20);
  });

  it('copies entry data out of the frame, so a message does not pin the receive buffer', () => {
    const payload = encodeMessage(samples[1] as Message);
    const [decoded] = decodeMessages(payload);
    payload.fill(0);
    expect(decoded?.entries[0]?.data).toEqual(binary);
  });

  it('refuses truncated and garbage input with CodecError', () => {
    const full = encodeMessage(samples[3] as Message);
    for (const cut of [1, 5, 20, full.length - 1]) {
      expect(() => decodeMessages(full.subarray(0, cut))).toThrow(CodecError);
    }
    expect(() => decodeMessages(Buffer.from([200, 0]))).toThrow(CodecError);
    // An absurd entry count must fail fast instead of allocating.
    expect(() => decodeMessages(Buffer.from([0, 0, 1, 2, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f]))).toThrow(CodecError);
  });

  it('refuses to encode numbers Raft never produces', () => {
    expect(() => encodeMessage(message(1, 2, { term: -1 }))).toThrow(CodecError);
    expect(() => encodeMessage(message(1, 2, { index: 1.5 }))).toThrow(CodecError);
  });
});

describe('frames', () => {
  it('reassembles frames split at every possible byte boundary', () => {
    const frames = [encodeFrame([Buffer.from('abc')]), encodeFrame([]), encodeFrame([Buffer.from('de'), Buffer.from('fgh')])];
    const stream = Buffer.concat(frames);
    for (let split = 0; split <= stream.length; split++) {
      const decoder = new FrameDecoder(1024);
      const out = [...decoder.push(stream.subarray(0, split)), ...decoder.push(stream.subarray(split))];
      expect(out.map((b) => b.toString())).toEqual(['abc', '', 'defgh']);
    }
  });

  it('refuses a frame over the limit before buffering it', () => {
    const decoder = new FrameDecoder(16);
    expect(() => decoder.push(encodeFrame([Buffer.alloc(17)]).subarray(0, 4))).toThrow(CodecError);
  });
});
