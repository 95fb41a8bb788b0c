// Renders /openapi.json with Swagger UI; a file of its own because the page allows no inline script.
window.addEventListener('load', function () {
  window.SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#reference',
    deepLinking: true,
    persistAuthorization: false,
    tryItOutEnabled: false,
  });
});
