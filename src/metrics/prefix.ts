/** Every metric of the API process starts with this (README "Metrics and logs"); the worker's SDK metrics start with `temporal_`. */
export const METRIC_PREFIX = 'subscriptions_';
