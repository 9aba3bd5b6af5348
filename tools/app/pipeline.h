// A stage of a pipeline on its own thread, fed through a bounded queue: `film video` decodes the
// next input frames and encodes (or writes) finished frames while the model computes, with at
// most `capacity` items waiting at each hand-over, so memory stays a few frames whatever the
// length. An exception in the stage is kept and thrown to the feeding thread at its next push()
// or at finish(); the stage is joined by finish() or the destructor (which drops what waits).
// Prefetch<T> is the other end: a thread that produces items ahead of the consumer (decoding).
// Usage:
//   Stage<Frame> writer(3, [&](Frame& f) { encode(f); });
//   writer.push(std::move(frame));   // blocks while 3 wait
//   writer.finish();                 // after the last: waits, rethrows the stage's error
//   Prefetch<Frame> reader(2, [&](Frame& f) { return decode(f); });  // false: no more
//   for (Frame f; reader.next(f);) ...                                // rethrows its error
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace film {

template <class T>
class Stage {
 public:
  Stage(size_t capacity, std::function<void(T&)> work)
      : capacity_(capacity ? capacity : 1), work_(std::move(work)), thread_([this] { loop(); }) {}
  ~Stage() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
      queue_.clear();
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;

  void push(T item) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < capacity_ || error_; });
    if (error_) rethrow(lock);
    queue_.push_back(std::move(item));
    changed_.notify_all();
  }
  void finish() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::unique_lock<std::mutex> lock(mutex_);
    if (error_) rethrow(lock);
  }

 private:
  void rethrow(std::unique_lock<std::mutex>& lock) {
    std::exception_ptr e = error_;
    lock.unlock();
    std::rethrow_exception(e);
  }
  void loop() {
    for (;;) {
      T item;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return !queue_.empty() || closed_; });
        if (queue_.empty()) return;  // closed and drained
        item = std::move(queue_.front());
        queue_.pop_front();
      }
      changed_.notify_all();
      try {
        work_(item);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = std::current_exception();
        queue_.clear();
        changed_.notify_all();
        return;
      }
    }
  }

  const size_t capacity_;
  std::function<void(T&)> work_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<T> queue_;
  bool closed_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // last: starts once the members above exist
};

template <class T>
class Prefetch {
 public:
  Prefetch(size_t capacity, std::function<bool(T&)> produce)
      : capacity_(capacity ? capacity : 1),
        produce_(std::move(produce)),
        thread_([this] { loop(); }) {}
  ~Prefetch() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  Prefetch(const Prefetch&) = delete;
  Prefetch& operator=(const Prefetch&) = delete;

  // The next item; false after the last. Rethrows the producer's error where it happened.
  bool next(T& item) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty() || done_; });
    if (queue_.empty()) {
      if (error_) {
        std::exception_ptr e = error_;
        lock.unlock();
        std::rethrow_exception(e);
      }
      return false;
    }
    item = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
    return true;
  }

 private:
  void loop() {
    try {
      for (;;) {
        T item;
        if (!produce_(item)) break;
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return queue_.size() < capacity_ || stop_; });
        if (stop_) break;
        queue_.push_back(std::move(item));
        changed_.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    changed_.notify_all();
  }

  const size_t capacity_;
  std::function<bool(T&)> produce_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<T> queue_;
  bool done_ = false, stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace film
