// Swagger UI over the contract the api serves (same origin, through the Hosting rewrite). Loaded as
// a file, not inline, so the page keeps the site's strict Content-Security-Policy. validatorUrl:
// null keeps Swagger UI from sending the document to validator.swagger.io.
/* global SwaggerUIBundle */
window.addEventListener('load', () => {
  window.ui = SwaggerUIBundle({
    url: '/api/v1/openapi.json',
    dom_id: '#swagger-ui',
    validatorUrl: null,
    deepLinking: true,
    displayRequestDuration: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
