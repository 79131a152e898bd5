import { generateKeyPairSync } from 'node:crypto';
import { platformJwk } from '../../../src/domain/federation/compact-jws';
import { pintPartyOf, signChainEntry } from '../../../src/domain/federation/pint-envelope';
import { pintActionCodeOf, pintTransactionsOf, type HistoryStep } from '../../../src/domain/federation/pint-transactions';
import { dcsaProblems } from '../../support/dcsa-schemas';

const carrier = pintPartyOf('CAR1', 'demo-carrier', 'Pearl Ocean Container Line (demo)');
const consignee = pintPartyOf('CAR1', 'demo-consignee', 'Shanghai Lianhua Import Co. (demo)');
const forwarder = pintPartyOf('PORT', 'demo-forwarder', 'Bund Freight Forwarding (demo)');
const terminal = pintPartyOf('PORT', 'demo-terminal', 'Yangshan Demo Container Terminal');

/** A D/O issued, transferred across, presented and released: what PINT can and cannot say. */
const history: HistoryStep[] = [
  { type: 'issue', actor: carrier, recipient: consignee, at: '2026-12-03T16:00:00+08:00' },
  { type: 'transfer', actor: consignee, recipient: forwarder, at: '2026-12-03T08:05:00.123Z' },
  { type: 'present', actor: forwarder, recipient: terminal, at: '2026-12-03T08:10:00.000Z' },
  { type: 'release', actor: terminal, at: '2026-12-03T08:20:00.000Z' },
];

describe('SDX events as PINT transactions', () => {
  it('issue and transfer become ISSUE and TRANSFER, in UTC with milliseconds; present and release have no PINT code', () => {
    expect(pintTransactionsOf(history)).toEqual([
      { actionCode: 'ISSUE', actor: carrier, recipient: consignee, actionDateTime: '2026-12-03T08:00:00.000Z' },
      { actionCode: 'TRANSFER', actor: consignee, recipient: forwarder, actionDateTime: '2026-12-03T08:05:00.123Z' },
    ]);
    expect(['present', 'release', 'reject-presentation', 'gate-record', 'countersign', 'accept', 'toString'].map(pintActionCodeOf)).toEqual(Array(7).fill(undefined));
  });

  it('a chain entry carrying them conforms to PINT 3.0.0', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const token = signChainEntry({ platform: 'CAR1', document: { doNumber: 'DO-1' }, transactions: pintTransactionsOf(history) }, { key, kid: platformJwk(key).kid });
    const entry = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as unknown;
    expect(dcsaProblems('pint-transfer-chain-entry', entry, { closed: true })).toEqual([]);
  });

  it('refuses a transfer that names no new holder, and a time that is none', () => {
    expect(() => pintTransactionsOf([{ type: 'transfer', actor: consignee, at: '2026-12-03T08:05:00Z' }])).toThrow('must name who holds');
    expect(() => pintTransactionsOf([{ type: 'issue', actor: carrier, recipient: consignee, at: 'yesterday' }])).toThrow('not a time');
  });
});
