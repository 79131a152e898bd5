import { readdir } from 'node:fs/promises';
import type { PartyId } from '../../domain/party/party';
import { partyId as partyIdSchema } from '../../domain/shared/schema';
import { fileStamp, StampedReads } from '../stamped-reads';

/**
 * A party's keys over time. Generation 1 is the party's first key and keeps its plain file name
 * (`<partyId>.pem`); each rotation adds the next generation beside it (`<partyId>.2.pem`,
 * `<partyId>.3.pem`, ...). Party ids hold no dots, so a name cannot be read two ways. Old
 * generations stay: their certificates are what verifiers hold documents signed before the rotation against.
 */
export function generationBase(partyId: PartyId, generation: number): string {
  return generation === 1 ? partyId : `${partyId}.${generation}`;
}

const BASE = /^([a-z0-9][a-z0-9-]{1,62})(?:\.([1-9][0-9]{0,5}))?$/;

/** The party and generation a file name base (`demo-carrier.2`) stands for, or undefined. */
export function parseGenerationBase(base: string): { partyId: PartyId; generation: number } | undefined {
  const match = BASE.exec(base);
  if (!match?.[1] || !partyIdSchema.safeParse(match[1]).success) return undefined;
  const generation = match[2] === undefined ? 1 : Number(match[2]);
  // `<id>.1.pem` would be a second name for generation 1.
  if (match[2] !== undefined && generation === 1) return undefined;
  return { partyId: match[1], generation };
}

/** The last listing of each directory, kept until the directory changes. */
const listings = new StampedReads<string[]>();

/**
 * The file names in `directory` (none when it is absent). Keys are looked up on every signature so
 * that a rotation shows without a restart; adding, removing or renaming a file changes the
 * directory's stamp, so the names are read again then (and at least every second). A listing is
 * read off the event loop.
 */
async function namesIn(directory: string): Promise<string[]> {
  const stamp = fileStamp(directory);
  if (stamp === 'absent') {
    listings.forget(directory);
    return [];
  }
  return listings.get(directory, stamp, () =>
    readdir(directory).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }),
  );
}

type Generation = { partyId: PartyId; generation: number; base: string };

/** Per listing (its array of names), the generations read from it per suffix: read once, not on every signature. */
const readListings = new WeakMap<string[], Map<string, Generation[]>>();

/**
 * Every file in `directory` named `<base><suffix>`, read as party and generation (e.g. suffix
 * `.key.pem`); an absent directory has none. Sorted by party, then generation.
 */
export async function listGenerations(directory: string, suffix: string): Promise<Generation[]> {
  const names = await namesIn(directory);
  let bySuffix = readListings.get(names);
  if (!bySuffix) readListings.set(names, (bySuffix = new Map()));
  let generations = bySuffix.get(suffix);
  if (!generations) {
    generations = names
      .filter((name) => name.endsWith(suffix))
      .flatMap((name) => {
        const base = name.slice(0, -suffix.length);
        const parsed = parseGenerationBase(base);
        return parsed ? [{ ...parsed, base }] : [];
      })
      .sort((a, b) => a.partyId.localeCompare(b.partyId) || a.generation - b.generation);
    bySuffix.set(suffix, generations);
  }
  return generations.map((entry) => ({ ...entry }));
}

/** The generations of one party that have a file `<base><suffix>` in `directory`, oldest first. */
export async function generationsOf(directory: string, partyId: PartyId, suffix: string): Promise<number[]> {
  if (!partyIdSchema.safeParse(partyId).success) return [];
  return (await listGenerations(directory, suffix)).filter((entry) => entry.partyId === partyId).map((entry) => entry.generation);
}
