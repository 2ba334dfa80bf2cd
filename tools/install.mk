# install.mk — `make install` and `make uninstall`, the GNU way (included by the Makefile):
#
#   make install PREFIX=/usr/local DESTDIR=    (DESTDIR: a staging root, for packages)
#   make uninstall PREFIX=... DESTDIR=...      removes exactly what install wrote
#
#   $(PREFIX)/bin/backdrop                     the command line
#   $(PREFIX)/lib/libbackdrop.a                the library (everything but the CLI)
#   $(PREFIX)/include/backdrop/backdrop.h      the public header, and the ones it gathers
#   $(PREFIX)/lib/pkgconfig/backdrop.pc        pkg-config --cflags --libs backdrop
#   $(PREFIX)/share/backdrop/*.bdw             the converted weights (DATADIR: compiled into
#                                              the binary's model search, src/cli/model_path.c)
#   $(PREFIX)/share/man/man1/backdrop.1        the manual page (src/cli/backdrop.1)
#
# The binary is built for this PREFIX (its DATADIR), so build and install with the same one.

BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
PKGDIR     ?= $(LIBDIR)/pkgconfig
INSTALL    ?= install
PUB_HEADERS := src/backdrop.h src/io/image_io.h src/engine/segmenter.h src/compose/compose.h \
               src/compose/stream.h src/io/y4m.h src/io/yuv.h
INST_WEIGHTS = $(wildcard $(WEIGHTS))

.PHONY: install uninstall

install: $(BIN) $(LIB) weights
	@[ -n "$(INST_WEIGHTS)" ] || { echo "install: no weights in weights/ (run make with ../shared/models, or tools/convert.py)" >&2; exit 1; }
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGDIR) \
	    $(DESTDIR)$(INCLUDEDIR)/backdrop/io $(DESTDIR)$(INCLUDEDIR)/backdrop/engine \
	    $(DESTDIR)$(INCLUDEDIR)/backdrop/compose $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 755 $(BIN) $(DESTDIR)$(BINDIR)/backdrop
	$(INSTALL) -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libbackdrop.a
	for h in $(PUB_HEADERS:src/%=%); do \
	    $(INSTALL) -m 644 src/$$h $(DESTDIR)$(INCLUDEDIR)/backdrop/$$h || exit 1; done
	$(INSTALL) -m 644 $(INST_WEIGHTS) $(DESTDIR)$(DATADIR)/
	sed 's|/usr/local/share/backdrop|$(DATADIR)|g' src/cli/backdrop.1 >$(DESTDIR)$(MANDIR)/man1/backdrop.1
	chmod 644 $(DESTDIR)$(MANDIR)/man1/backdrop.1
	{ echo 'prefix=$(PREFIX)'; echo 'libdir=$(LIBDIR)'; echo 'includedir=$(INCLUDEDIR)'; \
	  echo 'datadir=$(DATADIR)'; echo; \
	  echo 'Name: backdrop'; \
	  echo 'Description: DeepLabV3-MobileNetV2 segmentation on the CPU and background effects'; \
	  echo 'Version: 1.0'; \
	  echo 'Cflags: -I$${includedir}/backdrop'; \
	  echo 'Libs: -L$${libdir} -lbackdrop -fopenmp -lm'; } >$(DESTDIR)$(PKGDIR)/backdrop.pc
	chmod 644 $(DESTDIR)$(PKGDIR)/backdrop.pc

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/backdrop $(DESTDIR)$(LIBDIR)/libbackdrop.a \
	    $(DESTDIR)$(PKGDIR)/backdrop.pc $(DESTDIR)$(MANDIR)/man1/backdrop.1 \
	    $(addprefix $(DESTDIR)$(INCLUDEDIR)/backdrop/,$(PUB_HEADERS:src/%=%)) \
	    $(addprefix $(DESTDIR)$(DATADIR)/,$(notdir $(WEIGHTS)))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/backdrop/io $(DESTDIR)$(INCLUDEDIR)/backdrop/engine \
	    $(DESTDIR)$(INCLUDEDIR)/backdrop/compose $(DESTDIR)$(INCLUDEDIR)/backdrop \
	    $(DESTDIR)$(DATADIR) 2>/dev/null
