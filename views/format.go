package views

import "strconv"

func statusCode(n int) string { return strconv.Itoa(n) }
