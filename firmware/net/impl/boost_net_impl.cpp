// The single translation unit that compiles Asio and Beast (separate compilation): every
// other file sees only their declarations, which keeps builds on the 2-core box short.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
