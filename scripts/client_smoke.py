"""Drives a running Casework API through a client generated from openapi/openapi.json
by openapi-python-client, the way integrations do. Usage: client_smoke.py BASE EMAIL PASSWORD"""

import sys
import uuid

from casework_client import AuthenticatedClient, Client
from casework_client.api.auth import issue_token
from casework_client.api.me import get_me
from casework_client.api.users import create_user, get_user, list_users
from casework_client.models import CreateUser, Me, Problem, Role, TokenRequest, TokenResponse, UserOut, UserPage

base, email, password = sys.argv[1:4]

token = issue_token.sync(client=Client(base_url=base), body=TokenRequest(grant_type="password", username=email, password=password))
assert isinstance(token, TokenResponse), token
client = AuthenticatedClient(base_url=base, token=token.access_token)

me = get_me.sync(client=client)
assert isinstance(me, Me) and me.email == email, me

new_email = f"smoke-{uuid.uuid4().hex[:8]}@example.org"
created = create_user.sync(client=client, body=CreateUser(email=new_email, display_name="Smoke", role=Role.CASEWORKER, password="smoke-test-password"))
assert isinstance(created, UserOut) and created.email == new_email, created

fetched = get_user.sync(client=client, id=created.id)
assert isinstance(fetched, UserOut) and fetched.id == created.id, fetched

page = list_users.sync(client=client, limit=200)
assert isinstance(page, UserPage) and any(u.id == created.id for u in page.items), page

dup = create_user.sync(client=client, body=CreateUser(email=new_email, display_name="Smoke", role=Role.CASEWORKER, password="smoke-test-password"))
assert isinstance(dup, Problem) and dup.status == 409, dup

print("generated client: OK")
