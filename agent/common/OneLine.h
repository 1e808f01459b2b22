// Text from outside (an operator's `print`, a client's user name, a
// script's output) made fit for one log line: a newline in it forged a
// whole line ("SF_COMMAND ... asked by admin") in a log read as the record
// of who did what.
#pragma once

#include <string>
#include <string_view>

namespace safefarm {

// Control characters (below 0x20, and 0x7f) written as \n, \r, \t or \xHH;
// a backslash as \\, so an escape cannot be forged either.
std::string oneLine(std::string_view text);

}  // namespace safefarm
