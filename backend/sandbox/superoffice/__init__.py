"""The SuperOffice emulator: sign-in, the REST WebAPI for appointments, and the CRM web client pages."""
