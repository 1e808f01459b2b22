#include "module/SteadyClock.h"

#include <boost/asio/steady_timer.hpp>

namespace safefarm::module {

namespace {

class AsioTimer : public Timer {
public:
    explicit AsioTimer(boost::asio::io_context& io) : timer_(io) {}
    void start(std::chrono::nanoseconds after, std::function<void()> fire) override {
        timer_.expires_after(after);
        // The handler runs after this timer is gone too (operation_aborted):
        // it touches nothing but what it holds.
        timer_.async_wait([fire = std::move(fire)](const boost::system::error_code& ec) {
            if (!ec) fire();
        });
    }
    void cancel() override { timer_.cancel(); }

private:
    boost::asio::steady_timer timer_;
};

}  // namespace

std::chrono::nanoseconds SteadyClock::now() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
}

std::unique_ptr<Timer> SteadyClock::timer() { return std::make_unique<AsioTimer>(io_); }

}  // namespace safefarm::module
