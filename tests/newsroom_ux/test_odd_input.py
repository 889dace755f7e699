"""The issue's new pages and parameters answer odd input with a page or a redirect, never a 5xx:
bulk confirmation ids and actions, merge targets, `?wording=`, topic targets, the webhook
filter and the dashboard's `?fresh=`."""

from __future__ import annotations

import pytest

from tests.corrections.triage_data import make_corrections

ODD = ["", "abc", "-1", "0", "99999999999999999999", "1e3", "%00", "<script>", "1,2", "１"]


@pytest.fixture
def admin(auth):
    auth.login("admin")


@pytest.mark.parametrize("value", ODD)
def test_odd_values_never_make_a_5xx(app, client, admin, value):
    (cid,) = make_corrections(app, [{}])
    urls = [
        f"/newsroom/corrections/bulk?ids={value}&action=spam",
        f"/newsroom/corrections/bulk?ids={cid}&action={value}&assignee={value}",
        f"/newsroom/corrections/bulk?ids={cid}&action=assign&assignee={value}",
        f"/newsroom/corrections/{cid}/merge?target={value}",
        f"/newsroom/corrections/{cid}?wording={value}",
        f"/newsroom/topics/1/merge?target_id={value}",
        f"/newsroom/webhooks?outcome={value}",
        f"/newsroom/?fresh={value}",
    ]
    for url in urls:
        status = client.get(url).status_code
        assert status < 500, f"{url} answered {status}"
