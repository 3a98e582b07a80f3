import { ConfidentialClientApplication } from '@azure/msal-node';
import { GraphTokenService } from '../../src';
import { FakeTokenEndpoint } from '../../test/helpers/fake-token-endpoint';
import { AnswerCheck } from '../support/answer-check';
import { startCacheContext } from '../support/cache-app';
import { latencyInRounds } from '../support/latency';
import { makeRow, type Row } from '../support/row';
import type { BenchSettings } from '../support/settings';

const SECTION = 'Microsoft Graph app token, held in memory, one call at a time';
const TENANT = 'bench-tenant';
const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = 'bench-secret-never-shown';
const SCOPES = ['https://graph.microsoft.com/.default'];

/**
 * GraphTokenService.getAccessToken with the token in memory against msal-node's own cache
 * (acquireTokenByClientCredential after the first fetch), both against the fake endpoint.
 */
export async function graphTokenRows(settings: BenchSettings): Promise<Row[]> {
  const endpoint = await FakeTokenEndpoint.start();
  const msalOptions = endpoint.msalOptions(TENANT);
  const ours = await startCacheContext({
    backend: 'locmem',
    graph: { tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: SCOPES, msal: msalOptions },
  });
  try {
    const tokens = ours.context.get(GraphTokenService);
    const msal = new ConfidentialClientApplication({
      auth: {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        authority: `https://login.microsoftonline.com/${TENANT}`,
        ...msalOptions.auth,
      },
    });
    const check = new AnswerCheck();
    const oursToken = await tokens.getAccessToken();
    const msalFirst = await msal.acquireTokenByClientCredential({ scopes: SCOPES });
    const msalToken = msalFirst?.accessToken;
    const requestsBefore = endpoint.count;

    const measured = await latencyInRounds(
      [
        { name: 'ours', call: () => check.expect('ours', tokens.getAccessToken(), (token) => token === oursToken) },
        {
          name: 'msal',
          call: () =>
            check.expect(
              'msal',
              msal.acquireTokenByClientCredential({ scopes: SCOPES }),
              (result) => result?.accessToken === msalToken && result?.fromCache === true,
            ),
        },
      ],
      settings.rounds.rounds,
      settings.latencyCalls,
    );
    const extraRequests = endpoint.count - requestsBefore;
    const problem = [
      check.problem('ours', 'msal'),
      extraRequests > 0 ? `${extraRequests} token requests during the measurement` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    const pick = (name: string, percentile: 'p50' | 'p99'): number[] =>
      measured.get(name)!.map((round) => round[percentile]);
    const row = (percentile: 'p50' | 'p99', minSpeed?: number): Row =>
      makeRow({
        section: SECTION,
        measurement: `GraphTokenService.getAccessToken, ${percentile === 'p50' ? 'median' : 'p99'}`,
        unit: 'µs',
        ours: pick('ours', percentile),
        baselineName: "msal-node 7 acquireTokenByClientCredential from msal's own cache",
        baseline: pick('msal', percentile),
        minSpeed,
        problem: problem || undefined,
      });
    return [row('p50'), row('p99', 10)];
  } finally {
    await ours.context.close();
    await endpoint.stop();
  }
}
