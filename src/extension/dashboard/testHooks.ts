import type { HostToDashboard } from '../../protocol/dashboard';

/** What the open dashboard panel exposes to the extension-host tests (only when the extension runs in test mode). */
export interface DashboardTestHooks {
  /** Feeds one raw value to the panel's message handler, exactly as if its webview had posted it. */
  receive(raw: unknown): void;
  /** The reasons the panel's channel gave for the messages it rejected, oldest first. */
  readonly rejected: readonly string[];
  /** Every message the panel posted to its webview, oldest first (from when the panel was created). */
  readonly posted: readonly HostToDashboard[];
}

/** What registerDashboard hands back to `activate`. */
export interface DashboardRegistration {
  /** The open panel's test hooks; undefined when no dashboard is open or the extension is not in test mode. */
  dashboardForTesting(): DashboardTestHooks | undefined;
}

/** The record a panel keeps for its test hooks (kept only in test mode: it holds every message ever posted). */
export interface MessageRecord {
  posted: HostToDashboard[];
  rejected: string[];
}
