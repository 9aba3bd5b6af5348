// embed A B OUT: the frame halfway between images A and B, with the film library's bundled model,
// written to OUT. What a program that embeds film needs: film/film.h and film::film.
#include <cstdio>

#include <film/film.h>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: embed A B OUT\n");
    return 2;
  }
  try {
    const film::Image a = film::read_image(argv[1]), b = film::read_image(argv[2]);
    film::Interpolator interpolator;  // the bundled model, on the default backend
    const film::Image middle = interpolator.interpolate(a.view(), b.view(), 0.5);
    film::write_image(argv[3], middle.view());
    std::printf("%s: %dx%d, %s on %s\n", argv[3], middle.width(), middle.height(),
                interpolator.model().c_str(), interpolator.backend().c_str());
    return 0;
  } catch (const film::Error& e) {
    std::fprintf(stderr, "embed: %s\n", e.what());
    return 1;
  }
}
