import { z } from 'zod';

/**
 * The shape of templates/pdf/<kind>.layout.json: which payload paths a document shows, in which
 * section, under which bilingual label. Layouts are data so that wording and order change without
 * touching the renderer; this schema checks them once when the assets load.
 */

export const bilingual = z.strictObject({ zh: z.string().min(1), en: z.string().min(1) });
export type Bilingual = z.infer<typeof bilingual>;

/**
 * How a value is written:
 * - `text`: as is (numbers with an optional unit); arrays are joined with ", ".
 * - `enum`: the bilingual label of the value (booleans are looked up as "true"/"false").
 * - `party`: name, Chinese name, then identifiers (SDX id, UN/LOCODE, SCAC, USCC) and address.
 * - `location`: UN/LOCODE and place name. `vessel`: name, voyage and IMO number.
 * - `photo-refs`: photo hashes as the numbers under which the photo section shows them.
 * - `seals`: one seal a line, its number and the bilingual label of its type (looked up in `enum`).
 */
export const valueFormats = ['text', 'enum', 'party', 'location', 'vessel', 'photo-refs', 'seals'] as const;
export type ValueFormat = (typeof valueFormats)[number];

export const valueSpec = z.strictObject({
  label: bilingual,
  /** Dot path into the section's data (the payload, the gate record, or a table row). */
  path: z.string().regex(/^[A-Za-z0-9]+(\.[A-Za-z0-9]+)*$/, 'a dot path such as cargo.description'),
  format: z.enum(valueFormats).default('text'),
  unit: z.string().optional(),
  enum: z.record(z.string(), bilingual).optional(),
  /** Leave the cell out instead of showing a dash when the value is absent. */
  hideIfMissing: z.boolean().default(false),
});
export type ValueSpec = z.infer<typeof valueSpec>;

const fieldSpec = valueSpec.extend({ span: z.number().int().min(1).max(4).default(1) });
export type FieldSpec = z.infer<typeof fieldSpec>;

const columnSpec = valueSpec.extend({ width: z.number().positive() });
export type ColumnSpec = z.infer<typeof columnSpec>;

/** `gateRecord`: the section shows the terminal's gate record and is left out while there is none. */
const sectionRoot = z.enum(['payload', 'gateRecord']).default('payload');

const fieldsSection = z.strictObject({
  type: z.literal('fields'),
  title: bilingual,
  root: sectionRoot,
  columns: z.number().int().min(1).max(4),
  fields: z.array(fieldSpec).min(1),
});

const tableSection = z.strictObject({
  type: z.literal('table'),
  title: bilingual,
  root: sectionRoot,
  path: z.string().min(1),
  /** Adds a leading "No." column counting the rows. */
  numbered: z.boolean().default(true),
  columns: z.array(columnSpec).min(1),
  empty: bilingual,
});

const textSection = z.strictObject({
  type: z.literal('text'),
  title: bilingual,
  root: sectionRoot,
  path: z.string().min(1),
  hideIfMissing: z.boolean().default(true),
});

const photosSection = z.strictObject({
  type: z.literal('photos'),
  title: bilingual,
  root: z.literal('gateRecord'),
});

export const section = z.discriminatedUnion('type', [fieldsSection, tableSection, textSection, photosSection]);
export type Section = z.infer<typeof section>;
export type FieldsSection = z.infer<typeof fieldsSection>;
export type TableSection = z.infer<typeof tableSection>;
export type TextSection = z.infer<typeof textSection>;
export type PhotosSection = z.infer<typeof photosSection>;

export const documentLayout = z.strictObject({
  kind: z.enum(['delivery-order', 'eir', 'telex-release-guarantee']),
  sections: z.array(section).min(1),
});
export type DocumentLayout = z.infer<typeof documentLayout>;
