/**
 * Node options the deployment guide recommends for the bot (docs/deploy.md, "Memory"): a young generation of
 * 2 × 8 MB instead of V8's 2 × 16 MB, which start-up fills and keeps. The benchmark runs the bot as deployed;
 * a test keeps this and the guide in step.
 */
export const DEPLOYED_NODE_OPTIONS = '--max-semi-space-size=8';
