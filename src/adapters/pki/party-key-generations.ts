import { readdir } from 'node:fs/promises';
import type { PartyId } from '../../domain/party/party';
import { partyId as partyIdSchema } from '../../domain/shared/schema';

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

/**
 * Every file in `directory` named `<base><suffix>`, read as party and generation (e.g. suffix
 * `.key.pem`); an absent directory has none. Sorted by party, then generation.
 */
export async function listGenerations(directory: string, suffix: string): Promise<{ partyId: PartyId; generation: number; base: string }[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => name.endsWith(suffix))
    .flatMap((name) => {
      const base = name.slice(0, -suffix.length);
      const parsed = parseGenerationBase(base);
      return parsed ? [{ ...parsed, base }] : [];
    })
    .sort((a, b) => a.partyId.localeCompare(b.partyId) || a.generation - b.generation);
}

/** The generations of one party that have a file `<base><suffix>` in `directory`, oldest first. */
export async function generationsOf(directory: string, partyId: PartyId, suffix: string): Promise<number[]> {
  if (!partyIdSchema.safeParse(partyId).success) return [];
  return (await listGenerations(directory, suffix)).filter((entry) => entry.partyId === partyId).map((entry) => entry.generation);
}
