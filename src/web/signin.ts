import { registerOffline } from './offline.js';

// The sign-in page registers the offline worker, which saves this page for a phone without a network.
void registerOffline();
