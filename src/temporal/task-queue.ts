export const TASK_QUEUE = 'subscriptions';

export const workflowIdFor = (subscriptionId: string) => `subscription-${subscriptionId}`;
