// The demo merchant (docs/card-registration.md): everything goes through the public API with the
// key the user pasted; the browser leaves for the card window and comes back here with the outcome.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var store = window.sessionStorage;

  function showError(text) {
    $('error').textContent = text;
    $('error').hidden = false;
  }

  function call(method, path, body) {
    var headers = { authorization: 'Bearer ' + $('api-key').value.trim() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method === 'POST') headers['idempotency-key'] = 'demo-' + Date.now() + '-' + Math.random().toString(36).slice(2);
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body) }).then(function (res) {
      return res.json().then(function (json) {
        if (!res.ok) throw new Error((json.code || res.status) + ': ' + (json.detail || 'request failed'));
        return json;
      });
    });
  }

  function remember() {
    store.setItem('demo.apiKey', $('api-key').value.trim());
    store.setItem('demo.customerKey', $('customer-key').value.trim());
    store.setItem('demo.planId', $('plan').value);
  }

  function loadPlans() {
    return call('GET', '/v1/plans').then(function (answer) {
      var select = $('plan');
      select.textContent = '';
      answer.plans.forEach(function (plan) {
        var option = document.createElement('option');
        option.value = plan.id;
        option.textContent = plan.name + ' (' + plan.price + ' ' + plan.currency + ' / ' + plan.interval.count + ' ' + plan.interval.unit + ')';
        select.appendChild(option);
      });
      var saved = store.getItem('demo.planId');
      if (saved) select.value = saved;
    });
  }

  function register() {
    remember();
    var returnUrl = window.location.origin + window.location.pathname;
    return call('POST', '/v1/billing-auth/sessions', { customerKey: $('customer-key').value.trim(), returnUrl: returnUrl }).then(function (session) {
      if (!session.windowUrl) throw new Error('no card window is configured: open Toss\'s window with successUrl and failUrl from your page');
      window.location.assign(session.windowUrl);
    });
  }

  function showSubscription(subscription) {
    $('subscription').hidden = false;
    $('subscription-id').textContent = subscription.subscriptionId;
    $('subscription-status').textContent = subscription.status;
    return call('GET', '/v1/subscriptions/' + encodeURIComponent(subscription.subscriptionId) + '/payments').then(function (answer) {
      var list = $('payments');
      list.textContent = '';
      answer.payments.forEach(function (p) {
        var item = document.createElement('li');
        item.textContent = p.orderId + ': ' + p.amount + ' ' + p.currency + ' ' + p.status;
        list.appendChild(item);
      });
      $('payment-count').textContent = String(answer.payments.length);
    });
  }

  function subscribe() {
    remember();
    var query = new URLSearchParams(window.location.search);
    return call('POST', '/v1/subscriptions', {
      customerKey: query.get('customerKey'),
      planId: $('plan').value,
      paymentMethodId: query.get('paymentMethodId'),
      trial: false,
    }).then(showSubscription);
  }

  function guard(fn) {
    return function () {
      $('error').hidden = true;
      fn().catch(function (error) { showError(error.message); });
    };
  }

  $('api-key').value = store.getItem('demo.apiKey') || '';
  $('customer-key').value = store.getItem('demo.customerKey') || 'cust_demo';
  $('load-plans').addEventListener('click', guard(loadPlans));
  $('register').addEventListener('click', guard(register));
  $('subscribe').addEventListener('click', guard(subscribe));

  var query = new URLSearchParams(window.location.search);
  if (query.get('error')) showError('Card registration failed: ' + query.get('error') + ' ' + (query.get('message') || ''));
  if (query.get('paymentMethodId')) {
    $('registered').hidden = false;
    $('payment-method').textContent = query.get('paymentMethodId');
  }
  if ($('api-key').value) guard(loadPlans)();
})();
