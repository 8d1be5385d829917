from django.urls import reverse


def test_pages_render_for_officer(world, open_case, client_for):
    case = open_case()
    c = client_for(world.officer)
    for url in [reverse("cases:inbox"), reverse("cases:detail", args=[case.pk]), reverse("cases:cart"),
                reverse("cases:referrals")]:
        r = c.get(url)
        assert r.status_code == 200, url
