from helhed.cases.gatekeeper import cases_visible_to


def test_open_case_visible_to_caseworker_not_to_other_unit(town, open_case):
    assert open_case in cases_visible_to(town.caseworker)
    assert open_case not in cases_visible_to(town.other_caseworker)
