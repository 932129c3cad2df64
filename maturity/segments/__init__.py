"""Segments: what an organisation knows about its people besides their department (location,
role, customer contact, ...) and the services ("diensten") customers can be tied to; and the
round's figures per segment, released only where no shown group, alone or beside another,
rests on fewer than the round's minimum (``core.segments``)."""
