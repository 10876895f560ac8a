/**
 * A tool call an `action: approve` tool rule decided passes only with a grant bound to
 * it (state/approval-flow.ts): the digest covers the server, the tool, its arguments and
 * the identity. Pending, it is refused with the JSON-RPC error of `human_approval_required`
 * carrying the approval (id, expiry, the tool and its redacted arguments) in `data`;
 * held (`mode: hold`), the call waits for the decision first.
 */
import type { Step } from '../../compose.js';
import { redactedJson } from '../../inspect/dlp/redact-summary.js';
import { approvalRefusal } from '../../state/approval-answer.js';
import { meetApproval } from '../../state/approval-flow.js';
import { approvalDigest, approvalWho, type ApprovalDiff } from '../../state/approvals.js';
import { DEFAULT_APPROVAL_SETTINGS } from '../../policy/approval.js';
import { refuse, type CallExchange } from './exchange.js';

/** Argument characters a person is shown at most. */
const ARGS_CHARS = 4096;

export const approveTool: Step<CallExchange> = async (x, next) => {
  const v = x.verdict;
  if (v?.outcome !== 'approve' || !v.approval) return next();
  const store = x.guard.approvals;
  if (store === null) return refuse(x, 'state_unavailable', `tool ${x.tool!} needs a human approval, and this process has no approval store`);
  const who = x.ch.info.who;
  const a = x.ch.info.audit;
  const target = `${a.scheme}://${a.host}:${a.port}${a.path}#${x.ch.info.serverKey}/${x.tool!}`;
  const args = Buffer.from(JSON.stringify(x.args));
  const digest = approvalDigest({ method: 'tools/call', target, body: args, who: approvalWho(who) });
  const why = `rule ${v.rule} needs a human approval for tool ${x.tool!} on server ${x.ch.info.serverKey}`;
  const diff = (): ApprovalDiff => ({
    kind: 'mcp',
    method: 'tools/call',
    url: `${a.scheme}://${a.host}:${a.port}${a.path}`,
    ...approvalWho(who),
    body: null,
    bodyBytes: args.length,
    tool: x.tool!,
    args: redactedJson(x.env.dlp.scanner, x.args, ARGS_CHARS),
    why,
  });
  // The transport cannot tell the guard that the client left: the hold's own bound ends the wait.
  const m = await meetApproval(
    store,
    {
      digest,
      rule: v.rule,
      tenant: who?.tenant ?? null,
      session: who?.session ?? null,
      spec: v.approval,
      diff,
      decisionId: x.decisionId,
      maxPendingPerSession: (x.env.approvals ?? DEFAULT_APPROVAL_SETTINGS).maxPendingPerSession,
      onApproval: (e) => (x.approvalId = e.id),
    },
    new AbortController().signal,
  );
  if (m.entry !== null) x.approvalId = m.entry.id;
  if (m.kind === 'pass') return next();
  if (m.kind === 'gone') return refuse(x, 'client_aborted', 'the client left while the tool call waited for approval');
  const r = approvalRefusal(m);
  refuse(x, r.error, r.reason);
  if (r.approval !== null) x.refusal!.approval = r.approval;
};
