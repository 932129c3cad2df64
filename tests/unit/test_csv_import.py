from maturity.people_csv import decode, parse_people_csv


def test_semicolon_file_with_dutch_headers():
    parsed = parse_people_csv("Naam;E-mailadres;Afdeling\nAnna de Vries;Anna@Example.nl; Klant  contact \n")
    [row] = parsed.rows
    assert (row.name, row.email, row.department) == ("Anna de Vries", "anna@example.nl", "Klant contact")
    assert row.is_valid


def test_comma_file_with_english_headers_and_quotes():
    parsed = parse_people_csv('email,name,department\nb@example.nl,"Jansen, Bram",Sales\n')
    assert parsed.rows[0].name == "Jansen, Bram"


def test_department_is_optional():
    parsed = parse_people_csv("naam;e-mail\nA;a@example.nl\n")
    assert parsed.rows[0].department == "" and parsed.rows[0].is_valid


def test_row_errors_are_collected_per_row_with_line_numbers():
    parsed = parse_people_csv("naam;e-mail\n;a@example.nl\nB;niet-goed\nC;a@example.nl\n\nD;\n")
    assert [(r.line, r.errors) for r in parsed.rows] == [
        (2, ["name_missing"]), (3, ["email_invalid"]), (4, ["email_duplicate"]), (6, ["email_missing"]),
    ]


def test_file_level_problems():
    assert parse_people_csv("").error == "empty"
    assert parse_people_csv("voornaam;achternaam\nA;B\n").error == "no_header"
    assert parse_people_csv("naam;e-mail\n").error == "empty"
    big = "naam;e-mail\n" + "".join(f"P{i};p{i}@example.nl\n" for i in range(2001))
    assert parse_people_csv(big).error == "too_many_rows"


def test_decode_accepts_utf8_bom_and_windows_1252():
    assert decode("\ufeffnaam".encode("utf-8")) == "naam" or decode("\ufeffnaam".encode("utf-8-sig")) == "naam"
    assert decode("Zoë".encode("cp1252")) == "Zoë"
    assert decode(b"\x81\x8d\x8f\x90\x9d") is None


def test_first_infix_and_last_name_columns_are_combined():
    parsed = parse_people_csv("Voornaam;Tussenvoegsel;Achternaam;E-mail\nJan;van der;Berg;jan@example.nl\n")
    assert parsed.rows[0].name == "Jan van der Berg"
    parsed = parse_people_csv("Voornaam;Naam;E-mail\nJan;Jansen;jan@example.nl\n")
    assert parsed.rows[0].name == "Jan Jansen"


def test_a_column_headed_by_a_segment_gives_its_values():
    parsed = parse_people_csv("naam;e-mail; LOCATIE ;Rol;Onbekend\nA;a@example.nl; Noord  west ;;x\nB;b@example.nl;;;\n",
                              ["Locatie", "Rol", "Dienst"])
    assert parsed.segment_columns == ["Locatie", "Rol"]
    assert parsed.rows[0].segments == {"Locatie": "Noord west"}  # an empty cell sets nothing
    assert parsed.rows[1].segments == {} and parsed.rows[1].is_valid


def test_without_segment_names_no_column_is_a_segment():
    parsed = parse_people_csv("naam;e-mail;Locatie\nA;a@example.nl;Noord\n")
    assert parsed.segment_columns == [] and parsed.rows[0].segments == {}


def test_a_segment_value_that_is_too_long_is_a_row_error():
    parsed = parse_people_csv("naam;e-mail;Locatie\nA;a@example.nl;" + "x" * 61 + "\n", ["Locatie"])
    assert parsed.rows[0].errors == ["segment_value_too_long:Locatie"]


def test_the_department_column_stays_the_department():
    from maturity.people_csv import is_reserved_header

    assert is_reserved_header(" Afdeling ") and is_reserved_header("E-mail") and not is_reserved_header("Locatie")
    parsed = parse_people_csv("naam;e-mail;afdeling\nA;a@example.nl;Wonen\n", ["Afdeling"])
    assert parsed.rows[0].department == "Wonen" and parsed.segment_columns == []
