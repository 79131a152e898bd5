import type { Model, QueryFilter } from 'mongoose';

/** An outbox row (webhook delivery, peer send) that one sender at a time claims with a lease. */
export interface LeasedRow {
  status: string;
  nextAttemptAt: string;
  leaseUntil: string | null;
  createdAt: string;
}

/**
 * The claim of the oldest due row: one findOneAndUpdate that repeats the whole condition (pending,
 * due, not leased or its lease ended), so two senders never hold the same row; returned as updated.
 */
export function claimQuery<T extends LeasedRow>(rows: Model<T>, now: string, leaseUntil: string) {
  const due: QueryFilter<LeasedRow> = { status: 'pending', nextAttemptAt: { $lte: now }, $or: [{ leaseUntil: null }, { leaseUntil: { $lte: now } }] };
  return rows.findOneAndUpdate(due as QueryFilter<T>, { $set: { leaseUntil } }, { sort: { nextAttemptAt: 1, createdAt: 1, _id: 1 }, returnDocument: 'after' });
}
