"""The sandbox's mail sink: an SMTP server that keeps what it receives and shows it at ``/mailbox``."""
