"""Reports stage: what a platform must send to authorities about the cases it finds.

* ``ncmec``: CyberTipline reports (18 U.S.C. 2258A) built from a case, validated against the
  shipped XSD and filed through the documented submit / upload / fileinfo / finish flow,
  resumable and filed once.
* ``nca``: the UK report to the National Crime Agency (Online Safety Act s.66, SI 2026/268),
  Schedule 1's contents as JSON and HTML, through a pluggable sender (``senders``).
* ``dsa``: EU DSA statements of reasons for the Transparency Database, 100 a call.
* ``referral``: a structured police referral (JSON and HTML) for criminal exploitation,
  which is not a NCMEC matter, through the same senders; ``referral_source`` reads its case
  (assessment, evidence excerpts, participants, alerts, actions) from storage.

Every report has a record per subject and authority in storage, and every step an audit
event; what was sent is kept as hashes, never copies.
"""
