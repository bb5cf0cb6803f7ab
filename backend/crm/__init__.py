"""SuperOffice CRM: sign-in (OpenID Connect) and, later, the WebAPI client and webhook verification."""
