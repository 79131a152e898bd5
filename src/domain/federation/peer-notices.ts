import type { DocumentKind, DocumentStatus } from '../document/document';
import type { ActionType } from '../document/lifecycle';

/**
 * SDX's notices between platforms (PINT has none): what happened to a document on the platform it
 * was sent to, told to the platform that sent it. Each notice type is one action there, on one kind,
 * and becomes one event and status back home: a D/O released, a guarantee accepted or rejected by
 * the carrier's agent, an EIR's gate move recorded by the facility.
 */
export const noticeOutcomes = {
  RELEASE: { kind: 'delivery-order', action: 'release', event: 'released-elsewhere', status: 'released' },
  ACCEPT: { kind: 'telex-release-guarantee', action: 'accept', event: 'accepted-elsewhere', status: 'accepted' },
  REJECT: { kind: 'telex-release-guarantee', action: 'reject', event: 'rejected-elsewhere', status: 'rejected' },
  GATE_RECORD: { kind: 'eir', action: 'gate-record', event: 'gate-recorded-elsewhere', status: 'gate-recorded' },
} as const satisfies Record<string, { kind: DocumentKind; action: ActionType; event: string; status: DocumentStatus }>;

export type NoticeType = keyof typeof noticeOutcomes;
export const noticeTypes = Object.keys(noticeOutcomes) as NoticeType[];
export type NoticeEventType = (typeof noticeOutcomes)[NoticeType]['event'];
export const noticeEventTypes = noticeTypes.map((type) => noticeOutcomes[type].event);

/** The notice an action on a document of `kind` sends home, if any. */
export function noticeTypeOf(kind: DocumentKind, action: ActionType): NoticeType | undefined {
  return noticeTypes.find((type) => noticeOutcomes[type].kind === kind && noticeOutcomes[type].action === action);
}

/** The outcome a notice event records, by its event type. */
export function outcomeOfEvent(event: string): (typeof noticeOutcomes)[NoticeType] | undefined {
  return noticeTypes.map((type) => noticeOutcomes[type]).find((outcome) => outcome.event === event);
}
