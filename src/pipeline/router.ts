import type { RouteConfig } from '../config/rules.js';
import { formatDuration } from '../config/units.js';
import type { EventView } from './view.js';

/** What one route made of one event, for delivery and for test-route. */
export type RouteVerdict =
  | { readonly route: RouteConfig; readonly status: 'matched' }
  /** `failed`: the first part of `match` the event did not meet. */
  | { readonly route: RouteConfig; readonly status: 'not matched'; readonly failed: string }
  /** A silence whose `until` has passed: as if it were not there. */
  | { readonly route: RouteConfig; readonly status: 'expired' }
  /** An earlier route stopped the evaluation (`continue: false` or `drop: true`). */
  | { readonly route: RouteConfig; readonly status: 'not evaluated'; readonly stoppedBy: string };

/**
 * Evaluates the routes in order. Routes fan out: every matching route delivers, until one
 * with `continue: false` matches; a `drop: true` route silences what it matches from every
 * later route (routes before it have matched already).
 */
export class Router {
  constructor(private readonly routes: readonly RouteConfig[]) {}

  /** Every route's verdict, in config order; `now` decides whether silences still hold. */
  evaluate(event: EventView, now: number): RouteVerdict[] {
    const verdicts: RouteVerdict[] = [];
    let stoppedBy: string | undefined;
    for (const route of this.routes) {
      if (stoppedBy !== undefined) {
        verdicts.push({ route, status: 'not evaluated', stoppedBy });
        continue;
      }
      if (route.until !== undefined && now >= route.until) {
        verdicts.push({ route, status: 'expired' });
        continue;
      }
      const failed = route.match.test(event);
      if (failed !== undefined) {
        verdicts.push({ route, status: 'not matched', failed });
        continue;
      }
      verdicts.push({ route, status: 'matched' });
      if (route.drop || !route.continue) stoppedBy = route.name;
    }
    return verdicts;
  }
}

/** One line for `validate` and `test-route`: what a route matches and what it does. */
export function describeRoute(route: RouteConfig): string {
  const action = route.drop ? `drop${route.until !== undefined ? ` until ${new Date(route.until).toISOString()}` : ''}` : `-> ${route.to.join(', ')}`;
  return [
    `${route.match.label} ${action}`,
    ...(route.continue || route.drop ? [] : ['(continue: false)']),
    ...(route.sendResolved || route.drop ? [] : ['(send_resolved: false)']),
    ...(route.dedupe ? [`(dedupe ${route.dedupe.key.source} per ${formatDuration(route.dedupe.windowMs)})`] : []),
    ...(route.digest ? [`(digest per ${formatDuration(route.digest.windowMs)} or ${route.digest.maxEvents} events)`] : []),
  ].join(' ');
}
