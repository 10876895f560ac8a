import { parseRequestLine } from '../../src/config/request-line.js';
import type { RequestFacts, Who } from '../../src/policy/types.js';

/** `req('GET https://api.github.com/x')` */
export function req(line: string): RequestFacts {
  return parseRequestLine(line);
}

export function who(agent: string, tenant = 'acme', labels: Record<string, string> = {}): Who {
  return { tenant, agent, session: 's1', human: null, labels };
}

/** The example the README documents: a fixture the tests load as a user would. */
export const README_POLICY = `version: 1
rules:
  - id: github-read
    agents: [support-bot]
    hosts: [api.github.com]
    methods: [GET]
    paths: ["/repos/acme/**"]
    credential:
      secret: github_token
      header: authorization
      value: "Bearer {{secret}}"
  - id: tickets-create
    intent: ticket.create
    hosts: [tickets.acme.test]
    methods: [POST]
    paths: ["/api/tickets"]
  - id: tickets-no-delete
    hosts: [tickets.acme.test]
    methods: [DELETE]
    action: deny
  - id: python-docs
    hosts: ["*.python.org"]
`;
