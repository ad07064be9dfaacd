"""NCMEC CyberTipline reports: the document (``document``), the API client (``client``) and
the resumable filing (``submit``)."""
