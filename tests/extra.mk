# extra.mk — `make demo`: before/after pictures of every effect on the sample photos in
# $(SHARED)/images, into demo/ (not tracked), with an index.html to look at them side by
# side; and `make demo-thumbs`: the few small previews the README shows, into bench/demo/
# (tracked, each under 60 KB). Included by the Makefile.

DEMO_DIR    := demo
DEMO_MODEL  ?= weights/deeplabv3_mnv2_pascal.bdw
DEMO_IMAGES := $(SHARED)/images
DEMO_RUN     = $(if $(filter /%,$(BIN)),,./)$(BIN) $(1) --model $(DEMO_MODEL) --side-by-side -q

.PHONY: demo demo-thumbs demo-check

demo-check:
	@[ -d "$(DEMO_IMAGES)" ] || { echo "demo: $(DEMO_IMAGES) not found: the sample photos live in ../shared/images (set SHARED=...)" >&2; exit 1; }
	@[ -f "$(DEMO_MODEL)" ] || { echo "demo: $(DEMO_MODEL) not found: run make weights (or set DEMO_MODEL=...)" >&2; exit 1; }

demo: $(BIN) demo-check
	@mkdir -p $(DEMO_DIR)
	$(call DEMO_RUN,blur)    $(DEMO_IMAGES)/person_astronaut.png -o $(DEMO_DIR)/astronaut_blur.jpg
	$(call DEMO_RUN,gray)    $(DEMO_IMAGES)/person_astronaut.png -o $(DEMO_DIR)/astronaut_gray.jpg
	$(call DEMO_RUN,replace) $(DEMO_IMAGES)/person_astronaut.png --background $(DEMO_IMAGES)/bg_landscape_china.jpg -o $(DEMO_DIR)/astronaut_replace_china.jpg
	$(call DEMO_RUN,replace) $(DEMO_IMAGES)/person_astronaut.png --color white -o $(DEMO_DIR)/astronaut_white.png
	$(call DEMO_RUN,cutout)  $(DEMO_IMAGES)/person_astronaut.png -o $(DEMO_DIR)/astronaut_cutout.png
	$(call DEMO_RUN,mask)    $(DEMO_IMAGES)/person_astronaut.png -o $(DEMO_DIR)/astronaut_mask.png
	$(call DEMO_RUN,mask)    $(DEMO_IMAGES)/person_astronaut.png --edges soft -o $(DEMO_DIR)/astronaut_mask_soft.png
	$(call DEMO_RUN,mask)    $(DEMO_IMAGES)/person_astronaut.png --edges otsu -o $(DEMO_DIR)/astronaut_mask_otsu.png
	$(call DEMO_RUN,blur)    $(DEMO_IMAGES)/person_grace_hopper.jpg -o $(DEMO_DIR)/hopper_blur.jpg
	$(call DEMO_RUN,replace) $(DEMO_IMAGES)/person_grace_hopper.jpg --background $(DEMO_IMAGES)/bg_dune_grass_sea.jpg -o $(DEMO_DIR)/hopper_replace_dune.jpg
	$(call DEMO_RUN,gray)    $(DEMO_IMAGES)/cat_chelsea.png --class cat -o $(DEMO_DIR)/cat_gray.jpg
	$(call DEMO_RUN,blur)    $(DEMO_IMAGES)/cat_chelsea.png --class cat -o $(DEMO_DIR)/cat_blur.jpg
	$(call DEMO_RUN,cutout)  $(DEMO_IMAGES)/cat_chelsea.png --class cat -o $(DEMO_DIR)/cat_cutout.png
	$(call DEMO_RUN,replace) $(DEMO_IMAGES)/car_rear_motionblur.jpg --class car --color white -o $(DEMO_DIR)/car_white.jpg
	$(call DEMO_RUN,gray)    $(DEMO_IMAGES)/car_rear_motionblur.jpg --class car -o $(DEMO_DIR)/car_gray.jpg
	$(call DEMO_RUN,blur)    $(DEMO_IMAGES)/person_dog_horse_field.jpg --class person,dog,horse,cow -o $(DEMO_DIR)/field_blur.jpg
	$(call DEMO_RUN,gray)    $(DEMO_IMAGES)/people_beach_kites_large.jpg -o $(DEMO_DIR)/kites_gray.jpg
	$(call DEMO_RUN,cutout)  $(DEMO_IMAGES)/dog_closeup_rgba.png --class dog -o $(DEMO_DIR)/dog_cutout.png
	$(call DEMO_RUN,blur)    $(DEMO_IMAGES)/gray_person_chessboard.jpg -o $(DEMO_DIR)/chessboard_blur.jpg
	$(call DEMO_RUN,blur)    $(DEMO_IMAGES)/motorbike_garage.png --class motorbike --invert -o $(DEMO_DIR)/motorbike_invert_blur.jpg
	@{ echo '<!doctype html><meta charset="utf-8"><title>backdrop demo</title>'; \
	   echo '<style>body{font-family:sans-serif;background:#888}img{max-width:100%}</style>'; \
	   echo '<h1>backdrop: each picture is the photo (left) and the effect (right)</h1>'; \
	   for f in $(DEMO_DIR)/*.jpg $(DEMO_DIR)/*.png; do n=$${f#$(DEMO_DIR)/}; \
	     echo "<h3>$$n</h3><img src=\"$$n\">"; done; } > $(DEMO_DIR)/index.html
	@echo "demo: $$(ls $(DEMO_DIR) | wc -l) files in $(DEMO_DIR)/ (open $(DEMO_DIR)/index.html)"

# The README's previews: photo | effect, 400 pixels wide, JPEG.
demo-thumbs: $(BIN) demo-check
	@mkdir -p bench/demo
	$(call DEMO_RUN,blur)    $(DEMO_IMAGES)/person_astronaut.png --max-side 400 -o bench/demo/astronaut_blur.jpg
	$(call DEMO_RUN,replace) $(DEMO_IMAGES)/person_grace_hopper.jpg --background $(DEMO_IMAGES)/bg_dune_grass_sea.jpg --max-side 400 -o bench/demo/hopper_replace.jpg
	$(call DEMO_RUN,gray)    $(DEMO_IMAGES)/cat_chelsea.png --class cat --max-side 400 -o bench/demo/cat_gray.jpg
	$(call DEMO_RUN,replace) $(DEMO_IMAGES)/car_rear_motionblur.jpg --class car --color white --max-side 400 -o bench/demo/car_white.jpg
	@ls -l bench/demo
