"""The table of every authority (issue 16 item 1): its build, the packaged table, the reader."""

from __future__ import annotations

import csv
import json
import statistics
from pathlib import Path

import pytest

from sim import authorities as au
from sim.authorities import COLUMNS, FIGURE_NAMES, SOURCES, Authority, find, make_key, parse_table
from sim.config import ConfigError
from sim.data import build

REPO = Path(__file__).resolve().parents[1]
DFE = REPO.parent / "shared" / "data" / "dfe"  # as tests/test_audit.py finds ../shared/seeds

GEO = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name"]
GEO += ["region_code", "region_name", "old_la_code", "new_la_code", "la_name"]
FILE_COLUMNS = {
    "b1_children_in_need_2013_to_2025.csv": ["category", "At31_episodes"],
    "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv": [
        "referral_count",
        "rereferral_percent",
    ],
    # A stand-in for the kept-back duration columns: the build must never read it.
    "c4_section_47s_and_icpcs_counts_2013_to_2025.csv": ["Section47", "ICPC", "kept_back_days"],
    "d3_cpps_subsequent_plan_2013_to_2025.csv": ["CPP_start", "CPP_subsequent_percent"],
    "d5_cpps_at31march_counts_2013_to_2025.csv": ["CPP_At31"],
    "csww_indicators_2017_to_2025.csv": [
        "inpost_fte",
        "case_holders_fte",
        "turnover_rate_fte",
        "agency_rate_fte",
        "vacancy_rate_fte",
        "caseload_fte",
        "absence_rate_fte",
    ],
    "ons_mid-year_population_estimates_2012_to_2024.csv": ["population_estimate"],
}
KEPT_BACK = "kept_back_days"
R1 = ("E12000001", "North East")
R2 = ("E12000002", "North West")
# (new code, old code, name, region): Alpha, Beta and Gamma are current; Delta was abolished.
ALPHA = ("E06000001", "101", "Alpha", R1)
BETA = ("E06000002", "102", "Beta-on-Sea", R1)
GAMMA = ("E06000003", "201", "Gamma, City of", R2)
DELTA = ("E06000004", "103", "Delta", R1)
CHILDREN = {"England": 100_000, R1: 60_000, R2: 40_000, "101": 10_000, "102": 20_000, "201": 5_000}
CIN = {
    "At31_episodes": 300,
    "referral_count": 1000,
    "rereferral_percent": 20.5,
    "Section47": 400,
    "ICPC": 100,
    "kept_back_days": 99,
    "CPP_start": 90,
    "CPP_subsequent_percent": 20.0,
    "CPP_At31": 80,
}
EARLIER = (2021, 2022, 2023)
"""Years before 2024 in the children in need files: England, the regions, Alpha and Gamma
(Beta has 2024 and 2025 only), for the spreads."""
ALPHA_REFERRALS = {2021: 400, 2022: "c", 2023: 600, 2024: 500, 2025: "c"}
ENGLAND_REFERRALS = {2021: 900, 2022: 1000, 2023: 1100, 2024: 1000, 2025: 1000}
WORKFORCE = {
    "inpost_fte": 120.0,
    "case_holders_fte": 80.0,
    "turnover_rate_fte": 15.0,
    "agency_rate_fte": 10.0,
    "vacancy_rate_fte": 12.0,
    "caseload_fte": 16.0,
    "absence_rate_fte": 3.0,
}
ENGLAND_WORKFORCE = WORKFORCE | {"case_holders_fte": 3000.0, "turnover_rate_fte": 13.0}
R1_WORKFORCE = WORKFORCE | {"case_holders_fte": 300.0, "turnover_rate_fte": 12.5}


def _row(columns, year, level, values, la=None, region=None):
    region = region or (la[3] if la else ("", ""))
    geo = {"time_period": year, "time_identifier": "Reporting year", "geographic_level": level}
    geo |= {"country_code": "E92000001", "country_name": "England"}
    geo |= {"region_code": region[0], "region_name": region[1]}
    la = la or ("", "", "")
    geo |= {"new_la_code": la[0], "old_la_code": la[1], "la_name": la[2]}
    return [geo.get(c, values.get(c, "x")) for c in GEO] + [values.get(c, "x") for c in columns]


def _write(path: Path, header, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def make_dfe(folder: Path) -> Path:
    """A small DfE folder: England, two regions, three current authorities and one gone.

    Alpha: referrals suppressed (``c``) in 2025, 500 in 2024 (and 400, ``c``, 600 in 2021 to
    2023); its 2025 workforce row has a newer code (an alias). Beta: no workforce row of
    its own, only a joint return with another authority; in the children in need files
    only in 2024 and 2025. Gamma: section 47s missing in every year and suppressed in its
    region (falls back to England); its re-referral rate ``low`` and its region's blank.
    Delta: only in 2024 (dropped). The children in need files run from 2021, the workforce
    file from 2024.
    """
    folder.mkdir()
    cin_files = [n for n in FILE_COLUMNS if n[:2] in {"b1", "c1", "c4", "d3", "d5"}]
    for name in cin_files:
        columns = FILE_COLUMNS[name]
        rows = []
        for year in (*EARLIER, 2024, 2025):
            national = CIN | {"Section47": 5000, "referral_count": ENGLAND_REFERRALS[year]}
            rows.append(_row(columns, year, "National", national))
            rows.append(_row(columns, year, "Regional", CIN, region=R1))
            region2 = CIN | {"Section47": "c", "rereferral_percent": ""}
            rows.append(_row(columns, year, "Regional", region2, region=R2))
            alpha = CIN | {"referral_count": ALPHA_REFERRALS[year]}
            rows.append(_row(columns, year, "Local authority", alpha, la=ALPHA))
            if year not in EARLIER:
                rows.append(_row(columns, year, "Local authority", CIN, la=BETA))
            gamma = CIN | {"Section47": "x" if year == 2025 else "z", "rereferral_percent": "low"}
            rows.append(_row(columns, year, "Local authority", gamma, la=GAMMA))
            if year == 2024:
                rows.append(_row(columns, year, "Local authority", CIN, la=DELTA))
        _write(folder / name, GEO + columns, rows)
    name = "csww_indicators_2017_to_2025.csv"
    columns = FILE_COLUMNS[name]
    joint = ("E06000002 / E06000009", "102 / 109", "Beta-on-Sea / Epsilon", R1)
    rows = []
    for year in (2024, 2025):
        rows.append(_row(columns, year, "National", ENGLAND_WORKFORCE))
        rows.append(_row(columns, year, "Regional", R1_WORKFORCE, region=R1))
        rows.append(_row(columns, year, "Regional", WORKFORCE, region=R2))
        alpha = ("E06000099", *ALPHA[1:]) if year == 2025 else ALPHA
        rows.append(_row(columns, year, "Local authority", WORKFORCE, la=alpha))
        rows.append(_row(columns, year, "Local authority", WORKFORCE, la=GAMMA))
        rows.append(_row(columns, year, "Local authority", WORKFORCE, la=joint))
    _write(folder / name, GEO + columns, rows)
    name = "ons_mid-year_population_estimates_2012_to_2024.csv"
    columns = ["age_group", "population_estimate"]
    rows = []
    for year in (2023, 2024):
        pop = {"age_group": "Children aged 0 to 17 years"}
        rows.append(
            _row(
                columns,
                year,
                "National",
                pop | {"population_estimate": {2023: 90_000, 2024: 100_000}[year]},
            )
        )
        for region in (R1, R2):
            rows.append(
                _row(
                    columns,
                    year,
                    "Regional",
                    pop | {"population_estimate": CHILDREN[region]},
                    region=region,
                )
            )
        for la in (ALPHA, BETA, GAMMA, DELTA):
            rows.append(
                _row(
                    columns,
                    year,
                    "Local authority",
                    pop | {"population_estimate": CHILDREN.get(la[1], 1)},
                    la=la,
                )
            )
    _write(folder / name, GEO + columns, rows)
    sn = ["old_la_code", "la_name", "region_ind", "region_name"]
    sn += [c for i in range(1, 11) for c in (f"SN_{i}", f"SN_{i}P")]
    order = ["101", "102", "201"]
    rows = []
    for la in (ALPHA, BETA, GAMMA):
        others = [o for o in order if o != la[1]]
        rows.append(
            [la[1], la[2], "1", la[3][1]] + [v for i in range(10) for v in (others[i % 2], "Close")]
        )
    with (folder / "sn_model_2025_wide.csv").open("w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle).writerows([sn, *rows])
    return folder


@pytest.fixture
def built(tmp_path):
    source = make_dfe(tmp_path / "dfe")
    table, meta = build.write(build.build_table(source, today="2026-01-01"), tmp_path / "out")
    rows = {a.key: a for a in parse_table(table.read_text())}
    return rows, json.loads(meta.read_text()), table


# -- the build on handmade folders --------------------------------------------------------
def test_the_build_keeps_current_authorities_and_lists_the_dropped(built):
    rows, meta, _ = built
    assert sorted(rows) == ["alpha", "beta_on_sea", "gamma_city_of"]
    assert [d["la_name"] for d in meta["dropped"]] == ["Delta"]
    assert meta["dropped"][0]["last_year"] == 2024
    assert meta["code_aliases"] == {"E06000099": "E06000001"}
    assert meta["joint_workforce_returns"][0]["old_la_code"] == "102 / 109"
    assert meta["attribution"] == au.ATTRIBUTION
    assert meta["schema_version"] == au.SCHEMA_VERSION
    assert meta["built"] == "2026-01-01"


def test_a_suppressed_cell_falls_back_to_the_previous_year(built):
    rows, _, _ = built
    assert rows["alpha"].figure("referrals") == au.Figure(500, 2024, "own_previous_year")
    assert rows["alpha"].figure("s47s") == au.Figure(400, 2025, "own")


def test_a_row_under_another_code_with_the_same_old_code_is_the_authoritys_own(built):
    rows, _, _ = built
    assert rows["alpha"].figure("turnover_rate") == au.Figure(15.0, 2025, "own")


def test_a_missing_workforce_row_falls_back_to_the_region(built):
    rows, meta, _ = built
    beta = rows["beta_on_sea"]
    # The joint return (same figures as Alpha's) is ignored: the region's rate, as is ...
    assert beta.figure("turnover_rate") == au.Figure(12.5, 2025, "region")
    # ... and a count as the region's per child times Beta's children: 300 / 60,000 x 20,000.
    assert beta.figure("social_workers_fte") == au.Figure(100.0, 2025, "region")
    assert meta["fallbacks"]["turnover_rate"] == {
        "own": 2,
        "own_previous_year": 0,
        "region": 1,
        "england": 0,
    }


def test_a_region_gap_falls_back_to_england(built):
    rows, _, _ = built
    gamma = rows["gamma_city_of"]
    # England's 5,000 enquiries per 100,000 children (ONS 2024) times Gamma's 5,000.
    assert gamma.figure("s47s") == au.Figure(250, 2025, "england")
    # A rate: England's as published (``low`` and a blank region cell give no number).
    assert gamma.figure("rereferral_rate") == au.Figure(20.5, 2025, "england")


def test_an_authoritys_spread_skips_suppressed_years(built):
    rows, meta, _ = built
    # Alpha's referrals 2021-2025: 400, c, 600, 500, c: the sample sd of the three numbers.
    assert rows["alpha"].sd("referrals") == pytest.approx(statistics.stdev([400, 600, 500]))
    assert "alpha" not in meta["spread"]["fallbacks"]["referrals"]
    assert meta["spread"]["years"][
        "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
    ] == [2021, 2025]


def test_too_few_years_take_the_regions_median_relative_spread(built):
    rows, meta, _ = built
    # Beta (region R1) has two years: R1's only authority with enough, Alpha, spreads by
    # 100 / 500 = 20% of its mean; Beta's 1,000 referrals get 200.
    assert rows["beta_on_sea"].sd("referrals") == pytest.approx(200.0)
    assert meta["spread"]["fallbacks"]["referrals"] == {"E06000002": "region"}


def test_a_spread_is_never_below_half_the_published_unit(built):
    rows, meta, _ = built
    # Gamma's referrals are 1,000 every year (sd 0): held to half a referral.
    assert rows["gamma_city_of"].sd("referrals") == 0.5
    # The workforce file has two years: no authority has three, so every spread is the
    # floor, half of the last published decimal.
    assert rows["beta_on_sea"].sd("turnover_rate") == 0.05
    assert set(meta["spread"]["fallbacks"]["turnover_rate"].values()) == {"floor"}


def test_englands_series_and_spread(tmp_path):
    source = make_dfe(tmp_path / "dfe")
    build.write(build.build_table(source, today="2026-01-01"), tmp_path / "out")
    series = au.parse_england((tmp_path / "out" / au.ENGLAND_TABLE).read_text())
    referrals = series["referrals"]
    assert referrals.values == {y: float(v) for y, v in ENGLAND_REFERRALS.items()}
    assert referrals.sd == pytest.approx(statistics.stdev(ENGLAND_REFERRALS.values()), abs=0.05)
    # England's section 47s are 5,000 every year: at least half the rounding to 10.
    assert series["s47s"].sd == 5.0
    assert series["cpp_subsequent_rate"].latest == 20.0
    assert set(series) == {*FIGURE_NAMES, "cpp_subsequent_rate"}


def test_codes_keys_and_neighbours_are_unique_and_known(built):
    rows, _, table = built
    authorities = list(rows.values())
    for column in ("la_code", "old_la_code", "key", "la_name"):
        values = [getattr(a, column) for a in authorities]
        assert len(set(values)) == len(values), column
    codes = {a.la_code for a in authorities}
    for a in authorities:
        assert len(a.neighbours) == 10
        assert set(a.neighbours) <= codes - {a.la_code}
    assert rows["alpha"].children_0_17 == 10_000
    assert rows["alpha"].children_0_17_year == 2024


def test_the_kept_back_columns_are_never_read(built, tmp_path):
    _, meta, table = built
    assert KEPT_BACK not in table.read_text()
    assert all(KEPT_BACK not in s["columns_read"] for s in meta["sources"])
    path = tmp_path / "dfe" / "c4_section_47s_and_icpcs_counts_2013_to_2025.csv"
    read = build.read_columns(path, ["time_period", "Section47"])
    assert {tuple(r) for r in read} == {("time_period", "Section47")}


def test_keys_clash_gets_the_old_code():
    assert make_key("Kingston upon Hull, City of") == "kingston_upon_hull_city_of"
    assert make_key("St. Helens") == "st_helens"
    assert make_key("Brighton & Hove") == "brighton_and_hove"
    assert make_key("Southend-on-Sea") == "southend_on_sea"
    place = build.Place("E1", "1", "St. Helens", "R", "Region", 1.0, 2024, None, None)
    twin = build.Place("E2", "2", "St Helens", "R", "Region", 1.0, 2024, None, None)
    assert build.assign_keys([place, twin]) == {"E1": "st_helens_1", "E2": "st_helens_2"}


def test_a_missing_source_folder_is_one_line(tmp_path, capsys):
    assert build.main(["--source", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no DfE data folder" in err
    assert not list(tmp_path.iterdir())


def test_a_missing_file_is_one_line(tmp_path):
    source = make_dfe(tmp_path / "dfe")
    (source / "d3_cpps_subsequent_plan_2013_to_2025.csv").unlink()
    with pytest.raises(build.BuildError, match=r"exactly one file d3_cpps"):
        build.build_table(source)


# -- the packaged table -------------------------------------------------------------------
PACKAGED_TEXT = (Path(build.__file__).parent / au.TABLE).read_text()


def test_the_packaged_table_has_every_authority_and_no_gaps():
    rows = list(csv.DictReader(PACKAGED_TEXT.splitlines()))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 153
    for row in rows:
        assert all(value != "" for value in row.values()), row["la_name"]
        for name in FIGURE_NAMES:
            assert row[f"{name}_source"] in SOURCES
            assert 2013 <= int(row[f"{name}_year"]) <= 2025
            assert float(row[name]) >= 0
            assert float(row[f"{name}_sd"]) > 0
    authorities = au.authorities()
    assert len(authorities) == 153
    codes = {a.la_code for a in authorities}
    for column in ("la_code", "old_la_code", "key", "la_name"):
        assert len({getattr(a, column) for a in authorities}) == 153, column
    assert all(len(a.neighbours) == 10 and set(a.neighbours) <= codes for a in authorities)
    assert au.table_meta()["rows"] == 153
    assert au.table_meta()["attribution"] == au.ATTRIBUTION


def test_leeds_row_by_hand():
    # Leeds (old code 383, E08000035), rows for 2025 (Leeds, 383) of
    # c1: referral_count 10304, rereferral_percent 24.2;
    # c4: Section47 3097, ICPC 1000; d3: CPP_start 829; d5: CPP_At31 634;
    # b1: At31_episodes 5775;
    # csww (30 Sep 2025): case_holders_fte 298.4, turnover_rate_fte 7, agency_rate_fte 2.1,
    #   vacancy_rate_fte 2.1, caseload_fte 14.8, absence_rate_fte 3.8;
    # ons 2024: population_estimate 176239;
    # sn_model_2025_wide: 851, 882, 373, 826, 382, 355, 801, 852, 306, 839 (Portsmouth,
    #   Southend-on-Sea, Sheffield, Milton Keynes, Kirklees, Salford, Bristol, Southampton,
    #   Croydon, Bournemouth Christchurch and Poole).
    leeds = find("leeds")
    assert (leeds.la_code, leeds.old_la_code, leeds.la_name) == ("E08000035", "383", "Leeds")
    assert (leeds.region_code, leeds.region_name) == ("E12000003", "Yorkshire and The Humber")
    assert (leeds.children_0_17, leeds.children_0_17_year) == (176239, 2024)
    expected = {
        "referrals": 10304,
        "rereferral_rate": 24.2,
        "s47s": 3097,
        "icpcs": 1000,
        "cpp_starts": 829,
        "cpp_at_31_march": 634,
        "cin_at_31_march": 5775,
        "social_workers_fte": 298.4,
        "turnover_rate": 7.0,
        "agency_rate": 2.1,
        "vacancy_rate": 2.1,
        "caseload": 14.8,
        "absence_rate": 3.8,
    }
    assert {name: leeds.figure(name).value for name in expected} == expected
    assert {leeds.figure(name).source for name in expected} == {"own"}
    assert {leeds.figure(name).year for name in expected} == {2025}
    # c1 referral_count for Leeds, 2021-2025: 9495, 12577, 10950, 9914, 10304; csww
    # turnover_rate_fte (30 Sep 2021-2025): 10.1, 9.6, 13.1, 9, 7.
    assert leeds.sd("referrals") == round(statistics.stdev([9495, 12577, 10950, 9914, 10304]), 1)
    assert leeds.sd("turnover_rate") == round(statistics.stdev([10.1, 9.6, 13.1, 9, 7]), 2)
    # City of London's c4 Section47, 2021-2025: c, 21, 11, 9, c (suppressed years skipped).
    assert find("city_of_london").sd("s47s") == round(statistics.stdev([21, 11, 9]), 1)
    assert [find(code).la_name for code in leeds.neighbours] == [
        "Portsmouth",
        "Southend-on-Sea",
        "Sheffield",
        "Milton Keynes",
        "Kirklees",
        "Salford",
        "Bristol, City of",
        "Southampton",
        "Croydon",
        "Bournemouth, Christchurch and Poole",
    ]


@pytest.mark.skipif(not DFE.is_dir(), reason=f"needs the DfE source folder {DFE} (not in CI)")
def test_the_packaged_table_rebuilds_identically(tmp_path):
    table, meta = build.write(build.build_table(DFE), tmp_path)
    assert table.read_text() == PACKAGED_TEXT
    packaged_england = (Path(build.__file__).parent / au.ENGLAND_TABLE).read_text()
    assert (tmp_path / au.ENGLAND_TABLE).read_text() == packaged_england
    packaged = json.loads((Path(build.__file__).parent / au.META).read_text())
    rebuilt = json.loads(meta.read_text())
    assert {k: v for k, v in rebuilt.items() if k != "built"} == {
        k: v for k, v in packaged.items() if k != "built"
    }


# -- the reader ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "barking_and_dagenham",
        "E09000002",
        "e09000002",
        "301",
        "Barking and Dagenham",
        " BARKING AND DAGENHAM ",
    ],
)
def test_an_authority_is_found_by_key_code_old_code_or_name(name):
    assert find(name).key == "barking_and_dagenham"


def test_other_codes_of_an_authority_find_it():
    assert find("E08000038").key == "barnsley"  # the workforce file's code for Barnsley
    assert find("E10000023").key == "north_yorkshire"  # the county before it became unitary


def test_an_unknown_authority_is_one_line_saying_how_to_list_them():
    with pytest.raises(ConfigError) as err:
        find("narnia")
    message = str(err.value)
    assert "\n" not in message
    assert "narnia" in message
    assert "python -m sim.authorities" in message


def test_find_works_on_given_rows(built):
    rows, meta, _ = built
    given: list[Authority] = list(rows.values())
    assert find("Gamma, City of", given).key == "gamma_city_of"
    assert find("E06000099", given, meta["code_aliases"]).key == "alpha"
    with pytest.raises(ConfigError):
        find("leeds", given)


def test_the_listing_and_show_commands(capsys):
    assert au.main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["key", "la_code", "la_name", "region_name"]
    assert len([line for line in lines[1:] if line.strip()]) == 153 + 1  # and the footer
    assert au.main(["--show", "leeds"]) == 0
    shown = capsys.readouterr().out
    assert "turnover_rate" in shown
    assert au.ATTRIBUTION in shown
    assert au.main(["--show", "narnia"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
