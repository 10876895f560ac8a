// An operator's own pipeline step for Sluice (config `middleware:`). Placed after the
// policy has decided, it sees the request, the identity and the decision (never a
// secret, never the agent's token), and may add request headers or refuse.
//
//   middleware:
//     - module: ./examples/middleware/tag-tickets.js
//       after: decide
//
// What it does: every ticket an agent creates (the rule's intent `ticket.create`) is
// tagged with who created it, so people reading the ticket system can tell agents'
// tickets from their own; and a priority-0 ticket needs a human behind the agent
// (the token's `human` claim), or it is refused.

/**
 * @param {import('sluice').OperatorView} view
 * @param {() => Promise<void>} next
 */
export default async function tagTickets(view, next) {
  if (view.decision?.intent === 'ticket.create') {
    const who = view.identity ? `${view.identity.tenant}/${view.identity.agent}` : 'anonymous';
    view.setHeader('x-created-by-agent', who);
    if (/[?&]priority=p0(&|$)/.test(view.request.target) && !view.identity?.human) {
      view.refuse('policy_denied', 'a priority-0 ticket needs a human behind the agent (a token with a human claim)');
    }
  }
  await next();
}
