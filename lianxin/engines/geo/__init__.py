"""Pure geometry helpers on WGS84 points (no Django): the length of a GPS track with its noise removed."""
