"""The one sort key for names (issue #27: "Ömer Yılmaz" sorted after "Sara")."""

from maturity.collation import name_key, sorted_by_name


def test_accents_and_case_do_not_move_a_name_out_of_its_letter():
    names = ["Sara Smit", "Zoë Bakker", "Ömer Yılmaz", "anna de Vries", "Émile Dubois", "Øystein Berg", "Łukasz Nowak",
             "Ægir Holm", "Ilse Kok", "İsmail Kaya", "ıraz", "Ömer Aydın", "bram", "Straße", "Strasse"]
    assert sorted_by_name(names) == ["Ægir Holm", "anna de Vries", "bram", "Émile Dubois", "Ilse Kok", "ıraz",
                                     "İsmail Kaya", "Łukasz Nowak", "Ömer Aydın", "Ömer Yılmaz", "Øystein Berg",
                                     "Sara Smit", "Strasse", "Straße", "Zoë Bakker"]


def test_the_order_is_total_and_stable_between_spellings():
    # Same letters: unaccented before accented, then as written; never "equal" unless identical.
    assert sorted_by_name(["Éric", "eric", "Eric", "éric"]) == ["eric", "Eric", "éric", "Éric"]
    assert name_key("Eric") != name_key("eric")
    assert name_key("  Anna   de  Vries ")[0] == "anna de vries"
    assert name_key(None) == name_key("") == ("", "", "", "")


def test_a_key_function_picks_the_name_of_an_object():
    rows = [(1, "Ömer"), (2, "Sara"), (3, "Olaf")]
    assert [i for i, _ in sorted_by_name(rows, lambda row: row[1])] == [3, 1, 2]
