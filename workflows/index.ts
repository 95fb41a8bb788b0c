export { subscriptionWorkflow } from './subscription-workflow';
export { reconciliationWorkflow } from './reconciliation-workflow';
export { webhookDeliveryWorkflow } from './webhook-delivery-workflow';
