// Runs f on the thread that runs `io` and waits for it: the tests touch
// servers only from their own thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <future>

namespace safefarm::http::test {

template <class F>
void runOn(boost::asio::io_context& io, F f) {
    std::promise<void> done;
    boost::asio::post(io, [&] {
        f();
        done.set_value();
    });
    done.get_future().wait();
}

}  // namespace safefarm::http::test
