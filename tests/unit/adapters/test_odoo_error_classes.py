"""One Odoo failure, one typed error, whichever protocol carried it (texts as a real Odoo 19
sends them, ../shared/contracts/odoo-api.md), and one API status and code per type."""

from __future__ import annotations

import pytest

from syncbridge.adapters.erp import (
    ErpAuthError,
    ErpConfigurationMissing,
    ErpConflict,
    ErpError,
    ErpNotFound,
    ErpUnavailable,
)
from syncbridge.adapters.odoo.transport import classify
from syncbridge.roots.pest import _erp_errors

DUPLICATE = (
    'Barcode(s) already assigned:\n\n- Barcode "58-A0-CB-00-00-10-2F-01" already assigned to '
    "product(s): [ERP024_025_01] Golden Crust Manchester - Flour Storage Silo A and "
    "[ERP024_025_03] Golden Crust Manchester - Dough Mixing Room\n\nNote: products that you "
    "don't have access to will not be shown above."
)
MISSING = "Record does not exist or has been deleted.\n(Record: product.product(424242,), User: 2)"

# (JSON-2 status, name, message), (XML-RPC fault code, fault string), expected type, setting
CASES = [
    ((401, "werkzeug.exceptions.Unauthorized", "Invalid apikey"), (3, "Access Denied"),
     ErpAuthError, None),
    ((403, "odoo.exceptions.AccessError", "You are not allowed to modify 'Product'"),
     (4, "You are not allowed to modify 'Product'"), ErpAuthError, None),
    ((404, "werkzeug.exceptions.NotFound", "the model 'helpdesk.ticket' does not exist"),
     (2, "Object helpdesk.ticket doesn't exist"), ErpConfigurationMissing, ("model", "helpdesk.ticket")),
    ((500, "builtins.ValueError", "Invalid field 'x_device_status' on 'product.product'"),
     (1, "Traceback (most recent call last):\n  File \"x\", line 1\nValueError: Invalid field "
         "'x_device_status' on 'product.product'\n"),
     ErpConfigurationMissing, ("field", "x_device_status")),
    ((500, "builtins.ValueError", "Invalid field product.product.nope in condition ('nope', '=', 1)"),
     (1, "ValueError: Invalid field product.product.nope in condition ('nope', '=', 1)"),
     ErpConfigurationMissing, ("field", "nope")),
    ((404, "odoo.exceptions.MissingError", MISSING), (2, MISSING), ErpNotFound, None),
    ((422, "odoo.exceptions.ValidationError", DUPLICATE), (2, DUPLICATE), ErpConflict, None),
    ((503, "", ""), None, ErpUnavailable, None),
    ((422, "werkzeug.exceptions.UnprocessableEntity", "missing a required argument: 'domain'"),
     (1, "TypeError: BaseModel.search() missing 1 required positional argument: 'domain'"),
     ErpError, None),
]  # fmt: skip


@pytest.mark.parametrize("json2, xmlrpc, expected, setting", CASES)
def test_both_protocols_classify_a_failure_alike(json2, xmlrpc, expected, setting):
    status, name, message = json2
    errors = [classify("m.x", name, message, status=status)]
    if xmlrpc is not None:
        fault, text = xmlrpc
        errors.append(classify("m.x", "", text, fault=fault))
    for error in errors:
        assert type(error) is expected
        if setting is not None:
            assert (error.setting, error.tried) == setting
    if expected is ErpConflict:  # the whole text, not its first line
        assert all("[ERP024_025_03]" in str(e) and "Note:" in str(e) for e in errors)


@pytest.mark.parametrize(
    "error, status, code",
    [
        (ErpAuthError("refused"), 424, "credentials_refused"),
        (ErpConfigurationMissing("no db", setting="database", tried="x"), 424,
         "configuration_missing"),
        (ErpNotFound("gone"), 404, "record_missing"),
        (ErpConflict(DUPLICATE), 409, "erp_conflict"),
        (ErpUnavailable("down"), 503, "source_unavailable"),
        (ErpError("bad call"), 502, "upstream_rejected"),
    ],
)  # fmt: skip
def test_each_error_type_is_one_api_status_and_code(error, status, code):
    with pytest.raises(Exception) as raised, _erp_errors():
        raise error
    assert (raised.value.http_status, raised.value.code) == (status, code)
    if code == "erp_conflict":
        assert raised.value.message == DUPLICATE
    if code == "configuration_missing":
        assert raised.value.details["setting"] == "database"
        assert raised.value.details["tried"] == "x"
