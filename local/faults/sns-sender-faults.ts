/**
 * SNS sender faults on single entries of a PublishBatch, as SNS reports them: the call succeeds,
 * and the refused entries come back under `Failed` with `SenderFault: true`. The proxy takes the
 * chosen entries out of the request before the emulator sees it (so they are never published) and
 * adds them to the emulator's answer. moto refuses no entry on demand; this is where such refusals
 * come from. SNS speaks the query protocol: a form-encoded request, an XML answer.
 */
const ENTRY = /^PublishBatchRequestEntries\.member\.(\d+)\.(.+)$/;

export const SENDER_FAULT_MESSAGE = 'Invalid parameter: Message (injected sender fault)';

export interface SplitBatch {
  /** The request without the refused entries, the rest numbered 1.. again. */
  readonly body: Buffer;
  /** The Ids of the refused entries. */
  readonly refused: readonly string[];
  /** How many entries are left to forward. */
  readonly kept: number;
}

/** Whether a request is an SNS PublishBatch (form-encoded, `Action=PublishBatch`). */
export function isPublishBatch(body: Buffer): boolean {
  return new URLSearchParams(body.toString('utf8')).get('Action') === 'PublishBatch';
}

/** Takes out of a PublishBatch request the entries `refuse` picks (called once per entry, in order). */
export function refuseEntries(body: Buffer, refuse: () => boolean): SplitBatch {
  const params = new URLSearchParams(body.toString('utf8'));
  const entries = new Map<number, Array<[string, string]>>();
  const others: Array<[string, string]> = [];
  for (const [key, value] of params) {
    const match = ENTRY.exec(key);
    if (!match) others.push([key, value]);
    else {
      const index = Number(match[1]);
      entries.set(index, [...(entries.get(index) ?? []), [match[2] as string, value]]);
    }
  }
  const refused: string[] = [];
  const out = new URLSearchParams(others);
  let kept = 0;
  for (const index of [...entries.keys()].sort((a, b) => a - b)) {
    const fields = entries.get(index) ?? [];
    if (refuse()) {
      refused.push(fields.find(([field]) => field === 'Id')?.[1] ?? String(index));
      continue;
    }
    kept++;
    for (const [field, value] of fields) out.append(`PublishBatchRequestEntries.member.${kept}.${field}`, value);
  }
  return { body: Buffer.from(out.toString()), refused, kept };
}

/** The emulator's PublishBatch answer with the refused entries added under `Failed`. */
export function withRefusedEntries(xml: string, refused: readonly string[]): string {
  if (refused.length === 0) return xml;
  const members = refused
    .map(
      (id) =>
        `<member><Id>${escapeXml(id)}</Id><Code>InvalidParameter</Code><Message>${SENDER_FAULT_MESSAGE}</Message><SenderFault>true</SenderFault></member>`,
    )
    .join('');
  if (/<Failed\s*\/>/.test(xml)) return xml.replace(/<Failed\s*\/>/, `<Failed>${members}</Failed>`);
  if (xml.includes('</Failed>')) return xml.replace('</Failed>', `${members}</Failed>`);
  return xml.replace('</PublishBatchResult>', `<Failed>${members}</Failed></PublishBatchResult>`);
}

/** A PublishBatch answer for a request whose every entry was refused (nothing reaches the emulator). */
export function allRefusedAnswer(refused: readonly string[], requestId: string): string {
  return withRefusedEntries(
    '<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult><Successful/><Failed/></PublishBatchResult>' +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishBatchResponse>`,
    refused,
  );
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
