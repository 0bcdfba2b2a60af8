"""Drives a running Casework API through a client generated from openapi/openapi.json
by openapi-python-client, the way integrations do. Usage: client_smoke.py BASE EMAIL PASSWORD"""

import sys
import uuid
from datetime import datetime, timedelta, timezone

from casework_client import AuthenticatedClient, Client
from casework_client.api.auth import issue_token
from casework_client.api.me import change_my_password, get_me
from casework_client.api.users import create_user, get_user, list_users
from casework_client.api.cases import create_case, get_case, transition_case, update_case
from casework_client.api.case_records import add_consent, add_evidence, add_note, case_timeline
from casework_client.api.platforms import list_platforms
from casework_client.api.takedowns import create_takedown_request, transition_takedown_request
from casework_client.models import (
    ConsentScope,
    EvidenceKind,
    LegalBasis,
    NewConsent,
    NewEvidence,
    NewTakedown,
    PagePlatform,
    TakedownChannel,
    TakedownRequest,
    TakedownStatus,
    TakedownTransition,
    AgeGroup,
    Case,
    CasePatch,
    CaseStatus,
    NewCase,
    NewClient,
    NewContact,
    NewNote,
    NewUser,
    PageTimelineEvent,
    GrantType,
    GuardianInvolvement,
    Jurisdiction,
    Me,
    NoteKind,
    Note,
    PreferredChannel,
    Priority,
    Problem,
    Role,
    Situation,
    TokenRequest,
    TokenResponse,
    CaseTransition,
    ChangePassword,
    User,
    PageUser,
)

base, email, password = sys.argv[1:4]

token = issue_token.sync(client=Client(base_url=base), body=TokenRequest(grant_type=GrantType.PASSWORD, username=email, password=password))
assert isinstance(token, TokenResponse), token
client = AuthenticatedClient(base_url=base, token=token.access_token)

me = get_me.sync(client=client)
assert isinstance(me, Me) and me.email == email, me

new_email = f"smoke-{uuid.uuid4().hex[:8]}@example.org"
created = create_user.sync(client=client, body=NewUser(email=new_email, display_name="Smoke", role=Role.CASEWORKER, password="smoke-test-password"))
assert isinstance(created, User) and created.email == new_email, created

fetched = get_user.sync(client=client, id=created.id)
assert isinstance(fetched, User) and fetched.id == created.id, fetched

page = list_users.sync(client=client, limit=200)
assert isinstance(page, PageUser) and any(u.id == created.id for u in page.items), page

dup = create_user.sync(client=client, body=NewUser(email=new_email, display_name="Smoke", role=Role.CASEWORKER, password="smoke-test-password"))
assert isinstance(dup, Problem) and dup.status == 409, dup

# A caseworker's day through the generated client: open, annotate, edit, activate.
# The admin chose that password: the first token only lets its holder set their own.
first = issue_token.sync(client=Client(base_url=base), body=TokenRequest(grant_type=GrantType.PASSWORD, username=new_email, password="smoke-test-password"))
assert isinstance(first, TokenResponse), first
first_client = AuthenticatedClient(base_url=base, token=first.access_token)
refused = get_me.sync(client=first_client)
assert isinstance(refused, Problem) and refused.status == 403 and refused.type_ == "/problems/password-change-required", refused
changed = change_my_password.sync_detailed(client=first_client, body=ChangePassword(current_password="smoke-test-password", new_password="the caseworker's own"))
assert changed.status_code == 204, changed
cw_token = issue_token.sync(client=Client(base_url=base), body=TokenRequest(grant_type=GrantType.PASSWORD, username=new_email, password="the caseworker's own"))
assert isinstance(cw_token, TokenResponse), cw_token
cw = AuthenticatedClient(base_url=base, token=cw_token.access_token)
details = NewCase(
    client=NewClient(
        name="Test Client",
        age_group=AgeGroup.ADULT,
        contact=NewContact(preferred_channel=PreferredChannel.NONE, safe_to_leave_message=False),
        guardian_involvement=GuardianInvolvement.NOT_APPLICABLE,
    ),
    situation=Situation.SHARED,
    jurisdiction=Jurisdiction.BC,
)
case = create_case.sync(client=cw, body=details)
assert isinstance(case, Case) and case.reference.startswith("IIPS-") and case.iipa_applicable, case
note = add_note.sync(case.id, client=cw, body=NewNote(kind=NoteKind.CONTACT_LOG, body="Called, safe to talk."))
assert isinstance(note, Note), note
stale = update_case.sync(case.id, client=cw, body=CasePatch(priority=Priority.URGENT), if_match='"v99"')
assert isinstance(stale, Problem) and stale.status == 412, stale
patched = update_case.sync(case.id, client=cw, body=CasePatch(priority=Priority.URGENT), if_match=f'"v{case.version}"')
assert isinstance(patched, Case) and patched.priority == Priority.URGENT, patched
active = transition_case.sync(case.id, client=cw, body=CaseTransition(to=CaseStatus.ACTIVE))
assert isinstance(active, Case) and active.status == CaseStatus.ACTIVE, active
timeline = case_timeline.sync(case.id, client=cw)
assert isinstance(timeline, PageTimelineEvent) and [e.kind for e in timeline.items][0] == "case.status_changed", timeline
# A takedown through the generated client: the directory, evidence, consent, then submit.
platforms = list_platforms.sync(client=cw, name="TikTok")
assert isinstance(platforms, PagePlatform) and platforms.items, platforms
tiktok = platforms.items[0]
video = "https://www.tiktok.com/@someone/video/1"
consent = add_consent.sync(case.id, client=cw, body=NewConsent(scope=ConsentScope.PLATFORM_CONTACT))
assert not isinstance(consent, Problem), consent
evidence = add_evidence.sync(
    case.id,
    client=cw,
    body=NewEvidence(
        kind=EvidenceKind.SCREENSHOT,
        site="TikTok",
        url=video,
        captured_at=datetime.now(timezone.utc) - timedelta(minutes=1),
        description="The video, as shown to the client",
    ),
)
assert not isinstance(evidence, Problem), evidence
draft = create_takedown_request.sync(
    client=cw,
    body=NewTakedown(
        case_id=case.id,
        platform_id=tiktok.id,
        channel=TakedownChannel.PLATFORM_REPORT,
        urls=[video],
        legal_basis=LegalBasis.PLATFORM_POLICY,
        evidence_ids=[evidence.id],
    ),
)
assert isinstance(draft, TakedownRequest) and draft.status == TakedownStatus.DRAFT, draft
sent = transition_takedown_request.sync(draft.id, client=cw, body=TakedownTransition(to=TakedownStatus.SUBMITTED))
assert isinstance(sent, TakedownRequest) and sent.status == TakedownStatus.SUBMITTED and sent.follow_up_due_at, sent
hidden = get_case.sync(case.id, client=client)  # the admin sees no case contents
assert isinstance(hidden, Problem) and hidden.status == 404, hidden

print("generated client: OK")
