export { subscriptionWorkflow } from './subscription-workflow';
export { reconciliationWorkflow } from './reconciliation-workflow';
